// FileInfoStore against a real PostgreSQL: what the posts service relies on when a post names
// file_ids (only the author's own unattached files of that channel are attached) and when it
// fills post.metadata.files. Users, channels and posts are written with SQL: their services are
// not what is tested here.

#include <gtest/gtest.h>

#include "core/model/file_info.hpp"
#include "core/store/postgres/connection.hpp"
#include "core/store/postgres/pg_file_info_store.hpp"
#include "tests/integration/store/store_fixture.hpp"

namespace parley::core::store {
namespace {

using testing::runSync;

constexpr const char* kAuthor = "authoruseraaaaaaaaaaaaaaaa";
constexpr const char* kOther = "otheruseraaaaaaaaaaaaaaaaa";
constexpr const char* kChannel = "channelaaaaaaaaaaaaaaaaaaa";
constexpr const char* kOtherChannel = "channelbbbbbbbbbbbbbbbbbbb";
constexpr const char* kPost = "postaaaaaaaaaaaaaaaaaaaaaa";
constexpr const char* kSecondPost = "postbbbbbbbbbbbbbbbbbbbbbb";

constexpr const char* kFixture = R"sql(
INSERT INTO users (id, username, email, roles) VALUES
  ('authoruseraaaaaaaaaaaaaaaa', 'author', 'author@example.org', 'system_user'),
  ('otheruseraaaaaaaaaaaaaaaaa', 'other', 'other@example.org', 'system_user');
INSERT INTO teams (id, display_name, name) VALUES ('teamaaaaaaaaaaaaaaaaaaaaaa', 'Ops', 'ops');
INSERT INTO channels (id, team_id, type, display_name, name) VALUES
  ('channelaaaaaaaaaaaaaaaaaaa', 'teamaaaaaaaaaaaaaaaaaaaaaa', 'O', 'A', 'a'),
  ('channelbbbbbbbbbbbbbbbbbbb', 'teamaaaaaaaaaaaaaaaaaaaaaa', 'O', 'B', 'b');
INSERT INTO posts (id, user_id, channel_id) VALUES
  ('postaaaaaaaaaaaaaaaaaaaaaa', 'authoruseraaaaaaaaaaaaaaaa', 'channelaaaaaaaaaaaaaaaaaaa'),
  ('postbbbbbbbbbbbbbbbbbbbbbb', 'authoruseraaaaaaaaaaaaaaaa', 'channelaaaaaaaaaaaaaaaaaaa');
)sql";

model::FileInfo file(const std::string& id, const char* creator, const char* channel,
                     std::int64_t createAt) {
  model::FileInfo info;
  info.id = id;
  info.creatorId = creator;
  info.channelId = channel;
  info.createAt = info.updateAt = createAt;
  info.path = "20260101/" + id + "/report.png";
  info.thumbnailPath = "20260101/" + id + "/report_thumb.jpg";
  info.name = "report.png";
  info.extension = "png";
  info.size = 1234;
  info.mimeType = "image/png";
  info.width = 640;
  info.height = 480;
  info.hasPreviewImage = true;
  info.miniPreview = std::string("\xff\xd8\x00\x01", 4);
  info.sha256 = std::string(64, 'a');
  return info;
}

class FileInfoStoreTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    migrateOrFail();
    const auto written = execSql(kFixture);
    ASSERT_TRUE(written.ok()) << written.error().detail;
    openPool();
  }

  void create(const model::FileInfo& info) {
    auto created = runSync(*database_, [&](Store& s) { return s.files().create(info); });
    ASSERT_TRUE(created.ok()) << created.error().detail;
  }

  Result<std::vector<std::string>> attach(const std::vector<std::string>& ids, const char* post,
                                          const char* channel, const char* user) {
    return runSync(*database_,
                   [&](Store& s) { return s.files().attachToPost(ids, post, channel, user); });
  }
};

TEST_F(FileInfoStoreTest, RoundTripsEveryField) {
  const auto written = file("fileaaaaaaaaaaaaaaaaaaaaaa", kAuthor, kChannel, 1000);
  create(written);
  auto read = runSync(*database_, [&](Store& s) { return s.files().get(written.id); });
  ASSERT_TRUE(read.ok()) << read.error().detail;
  EXPECT_EQ(read->creatorId, kAuthor);
  EXPECT_EQ(read->postId, "");
  EXPECT_EQ(read->path, written.path);
  EXPECT_EQ(read->thumbnailPath, written.thumbnailPath);
  EXPECT_EQ(read->previewPath, "");
  EXPECT_EQ(read->width, 640);
  EXPECT_TRUE(read->hasPreviewImage);
  EXPECT_EQ(read->miniPreview, written.miniPreview);
  EXPECT_EQ(read->sha256, written.sha256);
  EXPECT_EQ(read->remoteId, "");
}

TEST_F(FileInfoStoreTest, UnknownFileIsNotFound) {
  auto read =
      runSync(*database_, [&](Store& s) { return s.files().get("nosuchfileaaaaaaaaaaaaaaa"); });
  ASSERT_FALSE(read.ok());
  EXPECT_EQ(read.error().code, ErrorCode::kNotFound);
  EXPECT_EQ(read.error().id, "app.file_info.get.app_error");
}

TEST_F(FileInfoStoreTest, AttachesOnlyTheAuthorsUnattachedFilesOfTheChannel) {
  create(file("mineaaaaaaaaaaaaaaaaaaaaaa", kAuthor, kChannel, 1000));
  create(file("minebbbbbbbbbbbbbbbbbbbbbb", kAuthor, kChannel, 2000));
  create(file("othersaaaaaaaaaaaaaaaaaaaa", kOther, kChannel, 1000));
  create(file("elsewhereaaaaaaaaaaaaaaaaa", kAuthor, kOtherChannel, 1000));
  const std::int64_t attachedAt = clock_->nowMillis();
  auto attached = attach(
      {"minebbbbbbbbbbbbbbbbbbbbbb", "othersaaaaaaaaaaaaaaaaaaaa", "elsewhereaaaaaaaaaaaaaaaaa",
       "unknownaaaaaaaaaaaaaaaaaaa", "mineaaaaaaaaaaaaaaaaaaaaaa", "mineaaaaaaaaaaaaaaaaaaaaaa"},
      kPost, kChannel, kAuthor);
  ASSERT_TRUE(attached.ok()) << attached.error().detail;
  EXPECT_EQ(*attached,
            (std::vector<std::string>{"minebbbbbbbbbbbbbbbbbbbbbb", "mineaaaaaaaaaaaaaaaaaaaaaa"}));

  // Already attached: a second post cannot take it.
  auto again = attach({"mineaaaaaaaaaaaaaaaaaaaaaa"}, kSecondPost, kChannel, kAuthor);
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());

  auto byPost = runSync(*database_, [&](Store& s) {
    return s.files().listOfPosts({kPost, kSecondPost});
  });
  ASSERT_TRUE(byPost.ok()) << byPost.error().detail;
  ASSERT_EQ(byPost->size(), 1u);
  const auto& files = byPost->at(kPost);
  ASSERT_EQ(files.size(), 2u);
  EXPECT_EQ(files[0].id, "mineaaaaaaaaaaaaaaaaaaaaaa");  // oldest first
  EXPECT_EQ(files[1].id, "minebbbbbbbbbbbbbbbbbbbbbb");
  EXPECT_EQ(files[0].postId, kPost);
  EXPECT_EQ(files[0].updateAt, attachedAt);

  auto other =
      runSync(*database_, [&](Store& s) { return s.files().get("othersaaaaaaaaaaaaaaaaaaaa"); });
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(other->postId, "");
}

TEST_F(FileInfoStoreTest, DeletingAPostsFilesHidesThem) {
  create(file("mineaaaaaaaaaaaaaaaaaaaaaa", kAuthor, kChannel, 1000));
  ASSERT_TRUE(attach({"mineaaaaaaaaaaaaaaaaaaaaaa"}, kPost, kChannel, kAuthor).ok());
  auto deleted =
      runSync(*database_, [&](Store& s) { return s.files().deleteForPost(kPost, 9000); });
  ASSERT_TRUE(deleted.ok());
  EXPECT_EQ(*deleted, 1);
  auto byPost = runSync(*database_, [&](Store& s) { return s.files().listOfPosts({kPost}); });
  ASSERT_TRUE(byPost.ok());
  EXPECT_TRUE(byPost->empty());
  auto read =
      runSync(*database_, [&](Store& s) { return s.files().get("mineaaaaaaaaaaaaaaaaaaaaaa"); });
  EXPECT_FALSE(read.ok());
}

TEST(TextArrayLiteral, QuotesEveryElement) {
  EXPECT_EQ(postgres::textArrayLiteral({}), "{}");
  EXPECT_EQ(postgres::textArrayLiteral({"a", "b\"c", "d\\e"}), R"({"a","b\"c","d\\e"})");
}

}  // namespace
}  // namespace parley::core::store

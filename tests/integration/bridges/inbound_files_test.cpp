// Attachments of inbound posts in the ingress pipeline, against a real PostgreSQL, the policy
// engine and a file store in a temporary directory: fetched bytes become files of the puppet
// attached to its post in the same transaction, file.ingress decides each one (a denied file is
// replaced by the permit's placeholder and its bytes removed), notes stand for files not
// fetched, and nothing is left on disk for an event that is not applied.

#include <gtest/gtest.h>

#include <filesystem>

#include "bridges/common/ingress_pipeline.hpp"
#include "core/files/file_store.hpp"
#include "core/policy/policy_holder.hpp"
#include "tests/integration/bridges/bridge_fixture.hpp"
#include "tests/support/temp_dir.hpp"

namespace parley::bridges {
namespace {

using core::store::Store;
using testing::kLinked;
using testing::kRoomA;
using testing::runSync;

// message.ingress from "test" with strip_denied_attachments; file.ingress for PNG images only.
constexpr const char* kBundle = R"yaml(
apiVersion: parley.policy/v1
kind: PolicyBundle
label_policies:
  T:
    classifications: [UNCLASSIFIED, SECRET]
schema:
  channel: {label: {type: label, policy: T}}
  file: {type: {type: string, source: filter}, size: {type: int, source: filter}}
bridges:
  test: {protocol: xmpp, clearance: "SECRET"}
rules:
  - {id: local-open, effect: permit, actions: [channel.join, channel.read, message.post, file.upload, file.download]}
  - id: test-in
    effect: permit
    actions: [message.ingress]
    bridges: [test]
    obligations:
      - strip_denied_attachments: {placeholder: "[withheld by policy]"}
  - {id: test-png, effect: permit, actions: [file.ingress], bridges: [test], when: ["has(file.type) && file.type == 'image/png'"]}
)yaml";

// A 1x1 RGBA PNG.
const std::string kPng(
    "\x89\x50\x4e\x47\x0d\x0a\x1a\x0a\x00\x00\x00\x0d\x49\x48\x44\x52\x00\x00\x00\x01\x00\x00\x00"
    "\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89\x00\x00\x00\x0d\x49\x44\x41\x54\x78\xda\x63\x64\x60"
    "\xf8\x5f\x0f\x00\x02\x87\x01\x80\xeb\x47\xba\x92\x00\x00\x00\x00\x49\x45\x4e\x44\xae\x42\x60"
    "\x82",
    70);

class InboundFilesTest : public testing::BridgeTest {
 protected:
  void SetUp() override {
    testing::BridgeTest::SetUp();
    auto policy = std::make_shared<policy::PolicyHolder>(clock_);
    auto loaded = policy->reloadSources({policy::Source{"test.yaml", kBundle}});
    ASSERT_TRUE(loaded.ok()) << loaded.error().message;
    database_->stop();
    core::config::DatabaseConfig config;
    config.dsn = dsn_;
    config.poolSize = 2;
    database_ = core::store::postgres::openDatabase(config, clock_, {}, policy);
    auto files = core::files::openLocalFileStore(dir_.path() / "files");
    ASSERT_TRUE(files.ok());
    settings_.files = *files;
    settings_.clock = clock_;
    settings_.maxFileSize = 1024 * 1024;
    pipeline_ = std::make_unique<IngressPipeline>(database_, nullptr);
    pipeline_->enableAttachments(settings_);
  }

  void TearDown() override {
    pipeline_.reset();
    testing::BridgeTest::TearDown();
  }

  IngressResult receive(const InboundEvent& event, const std::vector<FetchedAttachment>& fetched) {
    return runSync(*database_, [&](Store& s) { return pipeline_->apply(s, event, fetched); });
  }

  static InboundEvent fromCarol(std::string id, std::string text, int files) {
    InboundEvent event;
    event.bridge = "test";
    event.remoteRoom = kRoomA;
    event.remoteEventId = std::move(id);
    event.sender =
        core::model::RemoteOrigin{"test", "", "carol@partner-a.example", "partner-a.example"};
    event.senderDisplayName = "Carol";
    event.text = std::move(text);
    for (int i = 0; i < files; ++i) {
      event.files.push_back(core::model::FileRef{
          "", "", "", 0, "", "https://upload.partner-a.example/f/" + std::to_string(i)});
    }
    return event;
  }

  // Regular files under the file store (data, thumbnails, previews).
  std::size_t filesOnDisk() {
    std::size_t count = 0;
    const auto root = dir_.path() / "files";
    if (!std::filesystem::exists(root)) return 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(root)) {
      if (entry.is_regular_file()) ++count;
    }
    return count;
  }

  testing::TempDir dir_{"parley-inbound-files"};
  InboundFileSettings settings_;
  std::unique_ptr<IngressPipeline> pipeline_;
};

TEST_F(InboundFilesTest, FetchedBytesBecomeThePuppetsFilesOfThePostAndDeniedOnesGoAway) {
  const auto result = receive(fromCarol("f-1", "two files", 2),
                              {{"chart.png", kPng, ""}, {"notes.txt", "plain text\n", ""}});
  ASSERT_EQ(result.outcome, IngressOutcome::kApplied) << result.error;
  EXPECT_EQ(scalar("SELECT message FROM posts"), "two files\n[withheld by policy]");
  const auto files = rows(
      "SELECT f.name || '|' || f.mime_type || '|' || f.size || '|' || (f.post_id = p.id)::text"
      " || '|' || (f.creator_id = p.user_id)::text || '|' || f.channel_id"
      " FROM file_infos f JOIN posts p ON p.id = f.post_id");
  EXPECT_EQ(files,
            (std::vector<std::string>{std::string("chart.png|image/png|70|true|true|") + kLinked}));
  EXPECT_EQ(scalar("SELECT file_ids FROM posts"),
            "[\"" + scalar("SELECT id FROM file_infos") + "\"]");
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'file.ingress'"), "2");
  EXPECT_EQ(scalar("SELECT count(*) FROM audit_log WHERE action = 'file.ingress'"
                   " AND decision = 'deny'"),
            "1");
  // The PNG's data (plus its renditions); nothing of the denied text file.
  const std::string path = scalar("SELECT path FROM file_infos");
  EXPECT_TRUE(std::filesystem::exists(dir_.path() / "files" / path));
  EXPECT_EQ(filesOnDisk(),
            1u + (scalar("SELECT has_preview_image FROM file_infos") == "t" ? 2u : 0u));
}

TEST_F(InboundFilesTest, FilesNotFetchedBecomeNotesAndTheTextStillArrives) {
  const auto result = receive(fromCarol("f-2", "see logs", 2),
                              {{"logs.zip", "", "logs.zip: file too large (12.5 MB)"},
                               {"x.png", "", "x.png: could not be fetched"}});
  ASSERT_EQ(result.outcome, IngressOutcome::kApplied) << result.error;
  EXPECT_EQ(scalar("SELECT message FROM posts"),
            "see logs\n[logs.zip: file too large (12.5 MB)]\n[x.png: could not be fetched]");
  EXPECT_EQ(scalar("SELECT count(*) FROM file_infos"), "0");
  EXPECT_EQ(filesOnDisk(), 0u);
}

TEST_F(InboundFilesTest, AnEventNotAppliedLeavesNoFileBehind) {
  ASSERT_EQ(receive(fromCarol("f-3", "", 1), {{"a.png", kPng, ""}}).outcome,
            IngressOutcome::kApplied);
  const std::size_t before = filesOnDisk();
  // The same stanza again: a duplicate, whatever was fetched for it.
  EXPECT_EQ(receive(fromCarol("f-3", "", 1), {{"a.png", kPng, ""}}).outcome,
            IngressOutcome::kDuplicate);
  // A room no link takes events from: rolled back, bytes removed.
  auto unknown = fromCarol("f-4", "", 1);
  unknown.remoteRoom = "nowhere@rooms.partner-a.example";
  EXPECT_EQ(receive(unknown, {{"b.png", kPng, ""}}).outcome, IngressOutcome::kUnknownRoom);
  EXPECT_EQ(filesOnDisk(), before);
  EXPECT_EQ(scalar("SELECT count(*) FROM file_infos"), "1");
  EXPECT_EQ(scalar("SELECT count(*) FROM posts"), "1");
}

}  // namespace
}  // namespace parley::bridges

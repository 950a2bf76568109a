#pragma once
// The SQL migrations of schemas/sql/, compiled into the binary by cmake/ParleyEmbedSql.cmake.

#include <span>
#include <string_view>

namespace parley::core::store::postgres {

struct EmbeddedMigration {
  int version;            // NNNN of NNNN_name.sql
  std::string_view name;  // name of NNNN_name.sql
  std::string_view sql;   // the file's bytes
};

// Every migration, in increasing version order (the build checks the numbering).
std::span<const EmbeddedMigration> embeddedMigrations();

}  // namespace parley::core::store::postgres

# Every dependency comes from Debian bookworm packages (see scripts/install-deps).
find_package(Threads REQUIRED)
find_package(Boost 1.74 REQUIRED COMPONENTS program_options)
find_package(OpenSSL REQUIRED)
find_package(ZLIB REQUIRED)
find_package(PostgreSQL REQUIRED)
find_package(yaml-cpp REQUIRED)
find_package(nlohmann_json 3.10 REQUIRED)
find_package(PkgConfig REQUIRED)
pkg_check_modules(ARGON2 REQUIRED IMPORTED_TARGET libargon2)
# Uploaded files: libmagic names the content type from the bytes; libvips renders image
# thumbnails and previews (header-first, so oversized images are refused before decoding).
pkg_check_modules(LIBMAGIC REQUIRED IMPORTED_TARGET libmagic)
pkg_check_modules(VIPS REQUIRED IMPORTED_TARGET vips)
# parleyd's allocator (gateway/CMakeLists.txt says why).
pkg_check_modules(JEMALLOC REQUIRED IMPORTED_TARGET jemalloc)

# Boost 1.74 lists Boost::headers without the SYSTEM flag on some CMake versions; keep its
# warnings out of our -Werror builds explicitly.
set_target_properties(Boost::headers PROPERTIES SYSTEM TRUE)

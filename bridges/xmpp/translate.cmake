# parley_xmpp_translate: the XMPP bridge's pure translation functions (translate.hpp) with their
# XML tree (expat) and XEP-0393 styling (cmark-gfm). Links only these, nlohmann_json and the
# header-only core/common and core/model types, so the fuzz preset builds it alone
# (tests/fuzz/fuzz_xmpp_translate). Included from bridges/CMakeLists.txt and, for the fuzz
# preset, from the top-level CMakeLists.txt.
include(${CMAKE_CURRENT_LIST_DIR}/../common/emoji.cmake)
find_package(EXPAT REQUIRED)
find_package(PkgConfig REQUIRED)
# Debian's libcmark-gfm-dev ships a pkg-config file; the extensions library has none.
pkg_check_modules(CMARK_GFM REQUIRED IMPORTED_TARGET libcmark-gfm)
find_library(CMARK_GFM_EXTENSIONS_LIBRARY NAMES cmark-gfm-extensions REQUIRED)

add_library(parley_xmpp_translate STATIC
  ${CMAKE_CURRENT_LIST_DIR}/styling.cpp
  ${CMAKE_CURRENT_LIST_DIR}/translate.cpp
  ${CMAKE_CURRENT_LIST_DIR}/xml_tree.cpp)
target_include_directories(parley_xmpp_translate PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(parley_xmpp_translate
  PUBLIC nlohmann_json::nlohmann_json parley_bridge_emoji
  PRIVATE EXPAT::EXPAT ${CMARK_GFM_EXTENSIONS_LIBRARY} PkgConfig::CMARK_GFM parley_warnings)

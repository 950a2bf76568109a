# parley_matrix_translate: the Matrix bridge's pure translation functions (translate.hpp) and
# text formatting (markup.hpp): Mattermost markdown -> HTML with cmark-gfm (the extensions
# Mattermost renders: tables, strikethrough, autolinks), Matrix HTML -> markdown through
# libxml2's HTML parser (a real parser for what partners' clients send, then our sanitiser).
# Links only these, nlohmann_json, the shared emoji table and the header-only core/common and
# core/model types, so the fuzz preset builds it alone (tests/fuzz/fuzz_matrix_translate).
# Included from bridges/CMakeLists.txt and, for the fuzz preset, from the top-level
# CMakeLists.txt.
include(${CMAKE_CURRENT_LIST_DIR}/../common/emoji.cmake)
find_package(PkgConfig REQUIRED)
find_package(LibXml2 REQUIRED)
if(NOT TARGET PkgConfig::CMARK_GFM)
  # Debian's libcmark-gfm-dev ships a pkg-config file; the extensions library has none.
  pkg_check_modules(CMARK_GFM REQUIRED IMPORTED_TARGET libcmark-gfm)
endif()
find_library(CMARK_GFM_EXTENSIONS_LIBRARY NAMES cmark-gfm-extensions REQUIRED)

add_library(parley_matrix_translate STATIC
  ${CMAKE_CURRENT_LIST_DIR}/markup.cpp
  ${CMAKE_CURRENT_LIST_DIR}/translate.cpp)
target_include_directories(parley_matrix_translate PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(parley_matrix_translate
  PUBLIC nlohmann_json::nlohmann_json parley_bridge_emoji
  PRIVATE LibXml2::LibXml2 ${CMARK_GFM_EXTENSIONS_LIBRARY} PkgConfig::CMARK_GFM parley_warnings)

# parley_bridge_emoji: Mattermost emoji names <-> Unicode (emoji.hpp), shared by the bridges'
# translation libraries (xmpp/translate.cmake, matrix/translate.cmake). No dependencies, so the
# fuzz preset builds it too. Included by each of them; the guard keeps it to one definition.
include_guard(GLOBAL)
add_library(parley_bridge_emoji STATIC ${CMAKE_CURRENT_LIST_DIR}/emoji.cpp)
target_include_directories(parley_bridge_emoji PUBLIC ${PROJECT_SOURCE_DIR})
target_link_libraries(parley_bridge_emoji PRIVATE parley_warnings)

# Warnings are errors on our own targets only; third-party headers come in as SYSTEM
# (imported targets are SYSTEM by default), so their warnings never fail our build.
add_library(parley_warnings INTERFACE)
target_compile_options(parley_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror
  -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual -Wold-style-cast
  -Wcast-align -Wnull-dereference -Wimplicit-fallthrough -Wformat=2)

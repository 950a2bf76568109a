# Warnings are errors on our own targets only; third-party headers come in as SYSTEM
# (imported targets are SYSTEM by default), so their warnings never fail our build.
add_library(parley_warnings INTERFACE)
target_compile_options(parley_warnings INTERFACE
  -Wall -Wextra -Wpedantic -Werror
  -Wshadow -Wnon-virtual-dtor -Woverloaded-virtual -Wold-style-cast
  -Wcast-align -Wimplicit-fallthrough -Wformat=2
  # g++ 12 at -O2 reports Asio's recycled coroutine frames (allocated by thread_info_base,
  # freed by the frame's own operator delete) as mismatched; a known false positive.
  -Wno-mismatched-new-delete)
# Not -Wnull-dereference: at -O2 it fires inside Boost.Asio code inlined into ours (SYSTEM
# headers cannot silence a warning found after inlining), so release builds would fail on
# library internals.

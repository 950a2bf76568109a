// libFuzzer target: arbitrary bytes as the text of a policy bundle file. compileBundle must
// return either a bundle or a load error for any input: never crash, leak, overflow or hang.
// A load error must still say where: "file:line: sentence" (or "file: sentence").

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/policy/compiler.hpp"
#include "core/policy/engine.hpp"

namespace {

void check(bool condition) {
  if (!condition) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace parley::policy;
  const std::string text(reinterpret_cast<const char*>(data), size);
  // The kind sniffing runs on every file `parleyd policy` is given.
  (void)documentKind(Source{"fuzz.yaml", text});

  auto bundle = compileBundle({Source{"fuzz.yaml", text}});
  // PARLEY_FUZZ_VERBOSE=1 shows what each input came to (when replaying files by hand).
  static const bool verbose = std::getenv("PARLEY_FUZZ_VERBOSE") != nullptr;
  if (verbose) std::fprintf(stderr, "%s\n", bundle ? "loaded" : bundle.error().message.c_str());
  if (!bundle) {
    check(bundle.error().message.starts_with("fuzz.yaml"));
    return 0;
  }
  // A bundle that loads answers any request; a request for each action it knows.
  const CompiledBundle& compiled = **bundle;
  check(!compiled.hash.empty());
  for (const auto& action : knownActions()) {
    Request request{action, {}};
    if (!compiled.bridges.empty()) request.attributes["bridge.id"] = compiled.bridges.front().id;
    if (!compiled.channels.empty())
      addChannelAttributes(compiled, compiled.channels.front().name, request);
    const Decision decision = decide(compiled, request);
    check(decision.bundleHash == compiled.hash);
    (void)toAdminJson(decision);
  }
  return 0;
}

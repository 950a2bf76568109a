// xmpp_component_canary PORT DOMAIN SECRET prime|noprime
//
// A minimal component (bridges/xmpp/Component) that connects to the XMPP server on
// 127.0.0.1:PORT, asks the server's disco#info and exits 0 when the answer arrives (3 after
// 10 s without one). With "noprime" it skips the workaround of xmpp.md §4, so with Debian's
// libstrophe 0.12.2 it is expected to die of SIGSEGV: the canary test runs it in a child
// process to learn whether the installed library still needs the workaround.

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <iostream>
#include <string>
#include <thread>

#include "bridges/xmpp/component.hpp"

int main(int argc, char** argv) {
  using namespace parley::bridges::xmpp;
  if (argc != 5) {
    std::cerr << "usage: xmpp_component_canary PORT DOMAIN SECRET prime|noprime\n";
    return 2;
  }
  ComponentOptions options;
  options.port = static_cast<std::uint16_t>(std::atoi(argv[1]));
  options.domain = argv[2];
  options.secret = argv[3];
  options.primeStreamManagement = std::string(argv[4]) == "prime";
  options.reconnectMin = std::chrono::milliseconds(200);
  options.reconnectMax = std::chrono::milliseconds(1000);

  std::atomic<bool> answered{false};
  Component* self = nullptr;
  Component::Handlers handlers;
  handlers.link = [&](bool up) {
    if (!up) return;
    Stanza iq = Stanza::element(self->context(), "iq");
    iq.set("type", "get").set("id", "canary").set("to", "localhost").set("from", options.domain);
    iq.addChild("query", ns::kDiscoInfo);
    self->send(iq);
  };
  handlers.stanza = [&](const Stanza& stanza) {
    if (stanza.name() == "iq" && stanza.attribute("id") == "canary" &&
        stanza.attribute("type") == "result") {
      answered = true;
    }
  };
  Component component(options, handlers);
  self = &component;
  if (auto started = component.start(); !started) {
    std::cerr << started.error().message << "\n";
    return 2;
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!answered && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  component.stop();
  return answered ? 0 : 3;
}

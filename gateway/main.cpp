#include <iostream>

int main() {
  std::cout << "parleyd " PARLEY_VERSION "\n";
  return 0;
}

#ifndef LOAD_GENERATION_TESTING_SELF_SIGNED_H_
#define LOAD_GENERATION_TESTING_SELF_SIGNED_H_

#include <string>

namespace loadgen::testing {

// A fresh self-signed certificate (P-256, valid for an hour) for "localhost", as PEM.
struct PemPair {
  std::string cert;
  std::string key;
};
PemPair SelfSignedLocalhost();

}  // namespace loadgen::testing

#endif  // LOAD_GENERATION_TESTING_SELF_SIGNED_H_

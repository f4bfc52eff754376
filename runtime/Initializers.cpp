//===- Initializers.cpp - initial values of parameters and state -----------===//

#include "runtime/Initializers.h"

#include <cmath>
#include <cstring>
#include <random>
#include <string>

using namespace mlir::simclr::runtime;

namespace {

/// Standard normal draws: Box-Muller on 53-bit uniforms from a 64-bit Mersenne Twister.
class Normal {
public:
  explicit Normal(uint64_t seed) : engine(seed) {}
  double operator()() {
    if (hasSpare) {
      hasSpare = false;
      return spare;
    }
    double u1 = uniform(), u2 = uniform();
    double radius = std::sqrt(-2.0 * std::log(u1)), angle = 2.0 * M_PI * u2;
    spare = radius * std::sin(angle);
    hasSpare = true;
    return radius * std::cos(angle);
  }

private:
  double uniform() { // in (0, 1]
    return (static_cast<double>(engine() >> 11) + 1.0) * (1.0 / 9007199254740992.0);
  }
  std::mt19937_64 engine;
  double spare = 0;
  bool hasSpare = false;
};

// --- The hash of a variable's name --------------------------------------------------------
//
// LLVM's hash_value(StringRef) is a CityHash variant over the bytes with a fixed seed (in
// builds without ABI-breaking checks, as Debian's); hash_combine(seed, name) then hashes
// the 16 bytes [seed, hash of the name] with the same short-input function.
// test/unit/InitializersTest.cpp checks these against LLVM's own on many names.

constexpr uint64_t k0 = 0xc3a5c85c97cb3127ull, k1 = 0xb492b66fbe98f273ull,
                   k2 = 0x9ae16a3b2f90404full, k3 = 0xc949d7c7509e6557ull;
constexpr uint64_t kExecutionSeed = 0xff51afd7ed558ccdull;

uint64_t fetch64(const char *p) {
  uint64_t v;
  std::memcpy(&v, p, 8);
  return v;
}
uint32_t fetch32(const char *p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}
uint64_t rotate(uint64_t v, unsigned shift) {
  return shift == 0 ? v : (v >> shift) | (v << (64 - shift));
}
uint64_t shiftMix(uint64_t v) { return v ^ (v >> 47); }

uint64_t hash16(uint64_t low, uint64_t high) {
  const uint64_t mul = 0x9ddfea08eb382d69ull;
  uint64_t a = (low ^ high) * mul;
  a ^= a >> 47;
  uint64_t b = (high ^ a) * mul;
  b ^= b >> 47;
  return b * mul;
}

/// Inputs of at most 64 bytes.
uint64_t hashShort(const char *s, size_t n, uint64_t seed) {
  if (n >= 4 && n <= 8)
    return hash16(n + (uint64_t(fetch32(s)) << 3), seed ^ fetch32(s + n - 4));
  if (n > 8 && n <= 16) {
    uint64_t a = fetch64(s), b = fetch64(s + n - 8);
    return hash16(seed ^ a, rotate(b + n, unsigned(n))) ^ b;
  }
  if (n > 16 && n <= 32) {
    uint64_t a = fetch64(s) * k1, b = fetch64(s + 8), c = fetch64(s + n - 8) * k2,
             d = fetch64(s + n - 16) * k0;
    return hash16(rotate(a - b, 43) + rotate(c ^ seed, 30) + d,
                  a + rotate(b ^ k3, 20) - c + n + seed);
  }
  if (n > 32) {
    uint64_t z = fetch64(s + 24), a = fetch64(s) + (n + fetch64(s + n - 16)) * k0;
    uint64_t b = rotate(a + z, 52), c = rotate(a, 37);
    a += fetch64(s + 8);
    c += rotate(a, 7);
    a += fetch64(s + 16);
    uint64_t vf = a + z, vs = b + rotate(a, 31) + c;
    a = fetch64(s + 16) + fetch64(s + n - 32);
    z = fetch64(s + n - 8);
    b = rotate(a + z, 52);
    c = rotate(a, 37);
    a += fetch64(s + n - 24);
    c += rotate(a, 7);
    a += fetch64(s + n - 16);
    uint64_t wf = a + z, ws = b + rotate(a, 31) + c;
    uint64_t r = shiftMix((vf + ws) * k2 + (wf + vs) * k0);
    return shiftMix((seed ^ (r * k0)) + vs) * k2;
  }
  if (n != 0) {
    uint8_t a = uint8_t(s[0]), b = uint8_t(s[n >> 1]), c = uint8_t(s[n - 1]);
    uint32_t y = uint32_t(a) + (uint32_t(b) << 8), z = uint32_t(n) + (uint32_t(c) << 2);
    return shiftMix(y * k2 ^ z * k3 ^ seed) * k2;
  }
  return k2 ^ seed;
}

/// The state that longer inputs are mixed into, 64 bytes at a time.
struct LongHash {
  uint64_t h0, h1, h2, h3, h4, h5, h6;

  LongHash(const char *s, uint64_t seed)
      : h0(0), h1(seed), h2(hash16(seed, k1)), h3(rotate(seed ^ k1, 49)), h4(seed * k1),
        h5(shiftMix(seed)), h6(hash16(h4, h5)) {
    mix(s);
  }
  static void mix32(const char *s, uint64_t &a, uint64_t &b) {
    a += fetch64(s);
    uint64_t c = fetch64(s + 24);
    b = rotate(b + a + c, 21);
    uint64_t d = a;
    a += fetch64(s + 8) + fetch64(s + 16);
    b += rotate(a, 44) + d;
    a += c;
  }
  void mix(const char *s) {
    h0 = rotate(h0 + h1 + h3 + fetch64(s + 8), 37) * k1;
    h1 = rotate(h1 + h4 + fetch64(s + 48), 42) * k1;
    h0 ^= h6;
    h1 += h3 + fetch64(s + 40);
    h2 = rotate(h2 + h5, 33) * k1;
    h3 = h4 * k1;
    h4 = h0 + h5;
    mix32(s, h3, h4);
    h5 = h2 + h6;
    h6 = h1 + fetch64(s + 16);
    mix32(s + 32, h5, h6);
    std::swap(h2, h0);
  }
  uint64_t finish(size_t length) const {
    return hash16(hash16(h3, h5) + shiftMix(h1) * k1 + h2,
                  hash16(h4, h6) + shiftMix(length) * k1 + h0);
  }
};

/// LLVM's hash_value of a string.
uint64_t hashBytes(std::string_view bytes) {
  const char *s = bytes.data();
  size_t n = bytes.size();
  if (n <= 64)
    return hashShort(s, n, kExecutionSeed);
  LongHash state(s, kExecutionSeed);
  const char *alignedEnd = s + (n & ~size_t(63));
  for (const char *p = s + 64; p != alignedEnd; p += 64)
    state.mix(p);
  if (n & 63)
    state.mix(s + n - 64);
  return state.finish(n);
}

/// TensorFlow's truncated normal rescales its stddev by this factor, the stddev of a unit
/// normal truncated to [-2, 2].
constexpr double kTruncatedNormalStd = 0.87962566103423978;

} // namespace

uint64_t mlir::simclr::runtime::variableSeed(uint64_t seed, std::string_view name) {
  char bytes[16];
  uint64_t nameHash = hashBytes(name);
  std::memcpy(bytes, &seed, 8);
  std::memcpy(bytes + 8, &nameHash, 8);
  return hashShort(bytes, 16, kExecutionSeed);
}

int64_t mlir::simclr::runtime::fanIn(const std::vector<int64_t> &shape) {
  int64_t fan = 1;
  for (size_t d = 1; d < shape.size(); ++d)
    fan *= shape[d];
  return shape.size() >= 2 ? fan : std::max<int64_t>(shape.empty() ? 1 : shape[0], 1);
}

Expected<std::vector<double>>
mlir::simclr::runtime::initialValues(std::string_view name, std::string_view init,
                                     const std::vector<int64_t> &shape, double std,
                                     uint64_t seed) {
  int64_t count = 1;
  for (int64_t d : shape)
    count *= d;
  std::vector<double> values(count, 0.0);
  if (init == "zeros")
    return values;
  if (init == "ones") {
    values.assign(count, 1.0);
    return values;
  }
  Normal normal(variableSeed(seed, name));
  if (init == "normal") {
    for (double &v : values)
      v = std * normal();
    return values;
  }
  if (init == "variance_scaling") {
    double sigma = std::sqrt(1.0 / static_cast<double>(fanIn(shape))) / kTruncatedNormalStd;
    for (double &v : values) {
      double z;
      do
        z = normal();
      while (std::fabs(z) > 2.0);
      v = sigma * z;
    }
    return values;
  }
  return makeError("variable '" + std::string(name) + "' has unknown initializer '" +
                   std::string(init) + "'");
}

// Machine limits for the benchmark table, compiled by bench/machine.ts at bench time with
// `g++ -O3 -march=native -pthread` (when g++ exists) and run as:
//
//   peak fma  <threads> <seconds>   fp32 FMA throughput: each thread runs 12 independent chains
//                                   a = a*m + c on the widest native float vector, so that
//                                   FMA latency is hidden and only issue throughput remains
//   peak copy <threads> <MiB> <reps> memcpy of a MiB-sized buffer into a preallocated one, split
//                                   across threads; GB/s counts bytes read + bytes written
//
// Prints one JSON object. Both figures are upper bounds for what a library can reach here.

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#if defined(__AVX512F__)
constexpr int kVecBytes = 64;
#elif defined(__AVX__)
constexpr int kVecBytes = 32;
#else
constexpr int kVecBytes = 16;
#endif
constexpr int kLanes = kVecBytes / 4;
constexpr int kChains = 12;
typedef float vf __attribute__((vector_size(kVecBytes)));

static double now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// Runs `iters` steps of kChains independent FMA chains; returns a value that depends on all of
// them so the compiler cannot drop the work. With -ffp-contract=fast (GCC's default outside ISO
// mode) a*m + c compiles to one fused multiply-add.
static float fma_chains(long iters, float seed) {
  vf acc[kChains];
  vf m, c;
  for (int l = 0; l < kLanes; l++) {
    m[l] = 0.999999f;
    c[l] = 1e-7f;
  }
  for (int j = 0; j < kChains; j++)
    for (int l = 0; l < kLanes; l++) acc[j][l] = seed + 0.01f * j + 0.001f * l;
  for (long i = 0; i < iters; i++) {
#pragma GCC unroll 12
    for (int j = 0; j < kChains; j++) acc[j] = acc[j] * m + c;
  }
  float s = 0;
  for (int j = 0; j < kChains; j++)
    for (int l = 0; l < kLanes; l++) s += acc[j][l];
  return s;
}

static double run_fma(int threads, long iters) {
  std::vector<std::thread> pool;
  std::vector<float> sink(threads);
  double t = now();
  for (int k = 0; k < threads; k++) pool.emplace_back([&, k] { sink[k] = fma_chains(iters, 1.0f + k); });
  for (auto& th : pool) th.join();
  double dt = now() - t;
  float s = 0;
  for (float v : sink) s += v;
  if (s == 12345.678f) std::puts("");  // keeps the results alive
  return dt;
}

static int fma_main(int threads, double seconds) {
  long iters = 1 << 16;
  while (run_fma(1, iters) < 0.05) iters *= 2;  // calibrate on one thread
  double per_iter = run_fma(1, iters) / iters;
  iters = std::max(1L, (long)(seconds / per_iter));
  run_fma(threads, iters / 4);  // warm-up (clock ramp)
  std::vector<double> rates;
  for (int r = 0; r < 3; r++) {
    double dt = run_fma(threads, iters);
    rates.push_back(2.0 * kLanes * kChains * (double)iters * threads / dt / 1e9);
  }
  std::sort(rates.begin(), rates.end());
  std::printf("{\"threads\":%d,\"gflops\":%.3f,\"best\":%.3f,\"vector_bits\":%d,\"chains\":%d}\n", threads, rates[1],
              rates[2], kVecBytes * 8, kChains);
  return 0;
}

static int copy_main(int threads, long mib, int reps) {
  size_t bytes = (size_t)mib << 20;
  char* src = static_cast<char*>(std::aligned_alloc(4096, bytes));
  char* dst = static_cast<char*>(std::aligned_alloc(4096, bytes));
  if (!src || !dst) {
    std::fprintf(stderr, "allocation of 2 x %ld MiB failed\n", mib);
    return 1;
  }
  std::memset(src, 1, bytes);  // touch every page before timing
  std::memset(dst, 2, bytes);
  size_t chunk = (bytes / threads) & ~(size_t)4095;
  std::vector<double> rates;
  for (int r = 0; r < reps + 1; r++) {
    std::vector<std::thread> pool;
    double t = now();
    for (int k = 0; k < threads; k++) {
      size_t off = k * chunk, len = k == threads - 1 ? bytes - off : chunk;
      pool.emplace_back([=] { std::memcpy(dst + off, src + off, len); });
    }
    for (auto& th : pool) th.join();
    double dt = now() - t;
    if (r > 0) rates.push_back(2.0 * bytes / dt / 1e9);  // the first pass is a warm-up
  }
  std::sort(rates.begin(), rates.end());
  std::printf("{\"threads\":%d,\"gbps\":%.3f,\"best\":%.3f,\"mib\":%ld,\"check\":%d}\n", threads, rates[rates.size() / 2],
              rates.back(), mib, dst[bytes / 2]);
  std::free(src);
  std::free(dst);
  return 0;
}

int main(int argc, char** argv) {
  if (argc >= 4 && !std::strcmp(argv[1], "fma")) return fma_main(std::atoi(argv[2]), std::atof(argv[3]));
  if (argc >= 5 && !std::strcmp(argv[1], "copy")) return copy_main(std::atoi(argv[2]), std::atol(argv[3]), std::atoi(argv[4]));
  std::fprintf(stderr, "usage: peak fma <threads> <seconds> | peak copy <threads> <MiB> <reps>\n");
  return 2;
}

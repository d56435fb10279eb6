// ThreadSanitizer suppressions for --config=tsan, linked into every binary and test through
// --custom_malloc (this library defines no allocator, so libc's stays in use).
//
// Debian's gRPC, Abseil and OpenSSL shared libraries are not built with TSan: it sees neither their
// locks nor their atomics, and reports races inside them that are not races. So what those
// libraries do internally is not checked: memory accesses made from inside them, and reports
// with a frame in gRPC's namespaces (its C++ API is templates compiled into our binaries, whose
// objects gRPC hands between threads inside libgrpc). The project's own synchronisation
// (std::mutex, Asio) stays checked: a race between two of our threads still fails the test.
// The price: a race whose stack runs through a gRPC handler is not reported, so handlers stay
// thin and reach run state only through the control executor, tested here without gRPC.
extern "C" const char* __tsan_default_suppressions() {
  return
      // gRPC and the libraries it keeps its own state in.
      "called_from_lib:libgrpc.so.29\n"
      "called_from_lib:libgpr.so.29\n"
      "called_from_lib:libgrpc++.so.1.51\n"
      "called_from_lib:libgrpc++_reflection.so.1.51\n"
      "called_from_lib:libupb.so.29\n"
      "called_from_lib:libaddress_sorting.so.29\n"
      "called_from_lib:libcares.so.2\n"
      "called_from_lib:libre2.so.9\n"
      // OpenSSL, under gRPC's TLS and ours: its locks are invisible to TSan as well.
      "called_from_lib:libssl.so.3\n"
      "called_from_lib:libcrypto.so.3\n"
      "called_from_lib:libabsl_base.so.20220623\n"
      "called_from_lib:libabsl_cord.so.20220623\n"
      "called_from_lib:libabsl_cord_internal.so.20220623\n"
      "called_from_lib:libabsl_cordz_info.so.20220623\n"
      "called_from_lib:libabsl_graphcycles_internal.so.20220623\n"
      "called_from_lib:libabsl_hash.so.20220623\n"
      "called_from_lib:libabsl_malloc_internal.so.20220623\n"
      "called_from_lib:libabsl_raw_hash_set.so.20220623\n"
      "called_from_lib:libabsl_spinlock_wait.so.20220623\n"
      "called_from_lib:libabsl_status.so.20220623\n"
      "called_from_lib:libabsl_statusor.so.20220623\n"
      "called_from_lib:libabsl_str_format_internal.so.20220623\n"
      "called_from_lib:libabsl_strings.so.20220623\n"
      "called_from_lib:libabsl_strings_internal.so.20220623\n"
      "called_from_lib:libabsl_synchronization.so.20220623\n"
      "called_from_lib:libabsl_time.so.20220623\n"
      // The time zone: loaded once by one thread, read by the next that formats a time (the
      // results writer) under cctz's own lock, which TSan does not see.
      "called_from_lib:libabsl_time_zone.so.20220623\n"
      "race:absl::debian3::time_internal::cctz::\n"
      "race:absl::debian3::synchronization_internal::GraphCycles\n"
      "race:grpc_core::\n"
      "race:grpc_event_engine::\n"
      "race:grpc::\n"
      // gRPC's own threads: they are joined or detached inside libgpr, where TSan does not look,
      // so one that has ended before the check can be taken for leaked (seen once in six runs).
      "thread:grpc_core::Thread::Thread\n";
}

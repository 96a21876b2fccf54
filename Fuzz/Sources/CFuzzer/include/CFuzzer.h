#pragma once
#include <stddef.h>
#include <stdint.h>
// libFuzzer's driver (compiler-rt's libclang_rt.fuzzer, linked by -sanitize=fuzzer): the
// targets call it from their own main(). SwiftPM renames an executable's entry point for
// testing (main → <module>_main), which would hide libFuzzer's main().
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

// Entry point of Strata's isolated child processes (IsolatedProcess.swift).
//
// A parser of untrusted bytes that lives in a library Strata cannot fix (libhdf5 has use-after-free bugs on corrupt
// files) runs in a child: the parent re-executes its own binary (/proc/self/exe) with STRATA_CHILD_TASK set. This
// constructor runs before main — whichever main the binary has (the strata CLI, a test runner, a user's program) —
// hands the task to Swift (`strata_child_main`, StrataTensor) and exits with its status, so a crash in the parser
// ends only the child. Nothing here throws; the Swift side catches its own errors.
#include <cstdio>
#include <cstdlib>
#include <unistd.h>

extern "C" int strata_child_main(const char *task) __attribute__((weak));

__attribute__((constructor)) static void strata_child_entry() {
    const char *task = std::getenv("STRATA_CHILD_TASK");
    if (task == nullptr || task[0] == '\0' || strata_child_main == nullptr) return;
    int rc = strata_child_main(task);
    std::fflush(nullptr);
    _exit(rc);
}

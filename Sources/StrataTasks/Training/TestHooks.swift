import Foundation

/// Test-only hooks, read from hidden environment variables (not user settings; nothing documents them to users).
///
/// `STRATA_TEST_KILL_AFTER_STEP=N`: the process sends itself SIGKILL right after optimizer step N (counted over the
/// whole run, like a checkpoint's `step`), an abrupt death at a deterministic point mid-epoch — what the resume
/// test (Tests/StrataCLITests/TrainResumeTests.swift) needs instead of a timer, which a loaded machine defeats.
/// `STRATA_TEST_HANG_AFTER_STEP=N`: the process stops there for ever (sleeps), a hung data-parallel rank.
/// `STRATA_TEST_KILL_RANK=R` limits both to the data-parallel worker whose `RANK` is R (the dead/hung-rank tests).
enum TestHooks {
    static func step(_ key: String) -> Int? {
        let env = ProcessInfo.processInfo.environment
        if let r = env["STRATA_TEST_KILL_RANK"], r != env["RANK"] { return nil }
        return env[key].flatMap { Int($0) }
    }
    static let killAfterStep = step("STRATA_TEST_KILL_AFTER_STEP")
    static let hangAfterStep = step("STRATA_TEST_HANG_AFTER_STEP")

    static func afterOptimizerStep(_ step: Int) {
        if let n = killAfterStep, step == n { kill(getpid(), SIGKILL) }
        if let n = hangAfterStep, step == n { while true { sleep(3600) } }
    }
}

import Foundation

/// Test-only hooks, read from hidden environment variables (not user settings; nothing documents them to users).
///
/// `STRATA_TEST_KILL_AFTER_STEP=N`: the process sends itself SIGKILL right after optimizer step N (counted over the
/// whole run, like a checkpoint's `step`), an abrupt death at a deterministic point mid-epoch — what the resume
/// test (Tests/StrataCLITests/TrainResumeTests.swift) needs instead of a timer, which a loaded machine defeats.
/// `STRATA_TEST_KILL_RANK=R` limits that to the data-parallel worker whose `RANK` is R (the dead-rank test).
enum TestHooks {
    static let killAfterStep: Int? = {
        let env = ProcessInfo.processInfo.environment
        if let r = env["STRATA_TEST_KILL_RANK"], r != env["RANK"] { return nil }
        return env["STRATA_TEST_KILL_AFTER_STEP"].flatMap { Int($0) }
    }()

    static func afterOptimizerStep(_ step: Int) {
        if let n = killAfterStep, step == n { kill(getpid(), SIGKILL) }
    }
}

import CTorch
import Testing
@testable import StrataTensor

/// Shim entry points that used to let a C++ exception out (std::terminate) now return an error status.
@Suite struct ShimGuardTests {
    @Test func setNumThreadsRejectsZero() {
        let before = ct_get_num_threads()
        ct_set_num_threads(0)  // at::set_num_threads throws for n < 1
        #expect(String(cString: ct_last_error()).contains("positive"))
        #expect(ct_get_num_threads() == before)
    }

    @Test func resultAccessorsOutOfRangeAreErrors() throws {
        let s = try #require(ct_stack_new())
        defer { ct_stack_free(s) }
        #expect(ct_result_count(s) == 0)
        #expect(ct_result_kind(s, 3) == -1)
        #expect(!String(cString: ct_last_error()).isEmpty)
        #expect(ct_result_tensor(s, 0) == nil)
        var i: Int64 = 0, d = 0.0
        #expect(ct_result_int(s, 0, &i) == -1)
        #expect(ct_result_double(s, 0, &d) == -1)
        #expect(ct_result_list_len(s, 0) == -1)
        #expect(ct_result_list_tensor(s, 0, 0) == nil)
    }
}

import Foundation

/// Where this process sits in a distributed job, from the torchrun environment variables (`RANK`, `WORLD_SIZE`,
/// `LOCAL_RANK`, `LOCAL_WORLD_SIZE`, `MASTER_ADDR`, `MASTER_PORT`), which `strata train --nproc` also sets for the
/// workers it starts.
public struct DistributedEnvironment: Sendable, Equatable {
    public var rank: Int
    public var worldSize: Int
    public var localRank: Int
    public var masterAddress: String
    public var masterPort: Int

    public init(rank: Int, worldSize: Int, localRank: Int, masterAddress: String, masterPort: Int) {
        self.rank = rank
        self.worldSize = worldSize
        self.localRank = localRank
        self.masterAddress = masterAddress
        self.masterPort = masterPort
    }

    /// The job this process belongs to; nil when `WORLD_SIZE` is unset (a plain single-process run). Throws when the
    /// variables are present but inconsistent (a missing `RANK`, a rank outside the world, a bad port).
    public static func current(_ env: [String: String] = ProcessInfo.processInfo.environment) throws
        -> DistributedEnvironment?
    {
        guard let ws = env["WORLD_SIZE"] else { return nil }
        func int(_ key: String) throws -> Int {
            guard let s = env[key] else {
                throw TorchError("WORLD_SIZE=\(ws) is set but \(key) is not: a distributed worker needs RANK, WORLD_SIZE, MASTER_ADDR and MASTER_PORT (start it with strata train --nproc or torchrun)")
            }
            guard let v = Int(s) else { throw TorchError("\(key)=\(s) is not an integer") }
            return v
        }
        let worldSize = try int("WORLD_SIZE"), rank = try int("RANK")
        guard worldSize >= 1 else { throw TorchError("WORLD_SIZE must be ≥ 1, got \(worldSize)") }
        guard (0..<worldSize).contains(rank) else {
            throw TorchError("RANK=\(rank) is outside 0..<WORLD_SIZE (\(worldSize))")
        }
        let port = try env["MASTER_PORT"] == nil && worldSize == 1 ? 29500 : int("MASTER_PORT")
        guard (1...65535).contains(port) else { throw TorchError("MASTER_PORT=\(port) is not a TCP port") }
        let addr = env["MASTER_ADDR"] ?? (worldSize == 1 ? "127.0.0.1" : "")
        guard !addr.isEmpty else { throw TorchError("MASTER_ADDR is not set (the address of rank 0's machine)") }
        let local = try env["LOCAL_RANK"] == nil ? rank : int("LOCAL_RANK")
        return DistributedEnvironment(rank: rank, worldSize: worldSize, localRank: local, masterAddress: addr,
                                      masterPort: port)
    }

    /// The variables a worker of this job is started with.
    public var variables: [String: String] {
        ["RANK": String(rank), "WORLD_SIZE": String(worldSize), "LOCAL_RANK": String(localRank),
         "MASTER_ADDR": masterAddress, "MASTER_PORT": String(masterPort)]
    }
}

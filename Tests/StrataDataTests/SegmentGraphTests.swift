import Foundation
import Testing
@testable import StrataData
import StrataGeo
import StrataTensor
import StrataTestSupport

/// DF4LCZ graph building (methods.md §1.3) on real LEVIR-CD 0.5 m tiles, with the expected node counts, features
/// and adjacency recomputed here pixel by pixel from the masks.
@Suite struct SegmentGraphTests {
    /// Real masks: skimage's Felzenszwalb labels of the tile (the committed fixture), so this test does not lean on
    /// Strata's own segmentation.
    static func realCase(_ fixture: String, tile: String) throws -> (image: Tensor, labels: Tensor) {
        let image = try FelzenszwalbTests.tile(tile)
        let labels = try NPY.read(FelzenszwalbTests.fixtures.appendingPathComponent(fixture).path).to(.int64)
        return (image, labels)
    }

    @Test(.enabled(if: SharedData.shouldRun)) func nodesAndFeaturesOnARealTileByHand() throws {
        for (fixture, tile) in [("test_2_0000_0000_s1_g0.8_m20.npy", "test_2_0000_0000.png"),
                                ("test_102_0512_0000_s100_g0.5_m50.npy", "test_102_0512_0000.png")] {
            let (image, labels) = try Self.realCase(fixture, tile: tile)
            let graph = try SegmentGraph(image: image, labels: labels, label: 3)
            let lab = try labels.ints(), rgb = try image.ints()
            let (h, w) = (256, 256)
            // Areas, by counting.
            var area = [Int](repeating: 0, count: lab.max()! + 1)
            for v in lab { area[v] += 1 }
            let bigEnough = area.indices.filter { area[$0] >= 50 }
            let ranked = bigEnough.sorted { area[$0] != area[$1] ? area[$0] > area[$1] : $0 < $1 }
            let kept = Array(ranked.prefix(50))
            print("graph \(tile): \(area.count) segments, \(bigEnough.count) of ≥ 50 px, \(graph.nodeCount) nodes")
            #expect(graph.nodeCount == min(50, bigEnough.count))
            #expect(graph.areas == kept.map { area[$0] })
            #expect(graph.x.shape == [kept.count, 5] && graph.adjacency.shape == [kept.count, kept.count])
            #expect(graph.label == 3)
            let x = try graph.x.doubles()
            var centres: [[Int]] = []
            for (node, id) in kept.enumerated() {
                var sum = [0, 0, 0], n = 0, minC = w, maxC = -1, minR = h, maxR = -1
                for r in 0..<h { for c in 0..<w where lab[r * w + c] == id {
                    for b in 0..<3 { sum[b] += rgb[b * h * w + r * w + c] }
                    n += 1
                    (minC, maxC, minR, maxR) = (min(minC, c), max(maxC, c), min(minR, r), max(maxR, r))
                } }
                // SAM's XYWH box: x = min column, w = max − min; DF4LCZ's centre (x + w/2)/320.
                let bx = Double(minC), bw = Double(maxC - minC), by = Double(minR), bh = Double(maxR - minR)
                let expected = sum.map { Double($0) / Double(n) / 255 } + [(bx + bw / 2) / 320, (by + bh / 2) / 320]
                for f in 0..<5 {
                    #expect(abs(x[node * 5 + f] - expected[f]) <= 1e-6,
                            "node \(node) feature \(f): \(x[node * 5 + f]) vs \(expected[f])")
                }
                centres.append([minC + maxC, minR + maxR])
            }
            // Â = D^-1/2 A D^-1/2 with A = 1[centres differ]; recomputed from the boxes.
            let a = try graph.adjacency.doubles(), k = kept.count
            let degree = (0..<k).map { i in (0..<k).filter { centres[$0] != centres[i] }.count }
            for i in 0..<k { for j in 0..<k {
                let edge = centres[i] != centres[j]
                let want = edge ? 1 / (Double(degree[i]).squareRoot() * Double(degree[j]).squareRoot()) : 0
                #expect(abs(a[i * k + j] - want) <= 1e-7)
            } }
            if Set(centres).count == k {  // the usual case: a complete graph, Â = A / (n − 1)
                #expect(abs(a[1] - 1 / Double(k - 1)) <= 1e-7 && a[0] == 0)
            }
        }
    }

    /// Overlapping masks (SAM's may overlap), a dropped small mask, two masks with the same box centre (no edge).
    @Test func masksWithSharedCentres() throws {
        var m = [Float](repeating: 0, count: 4 * 10 * 10)
        for r in 0..<10 { for c in 0..<10 {
            m[r * 10 + c] = 1                                                      // 0: full square, area 100
            if r == 0 || r == 9 || c == 0 || c == 9 { m[100 + r * 10 + c] = 1 }    // 1: its border, area 36
            if r < 5 { m[200 + r * 10 + c] = 1 }                                   // 2: top half, area 50
            if r == 3 && c < 3 { m[300 + r * 10 + c] = 1 }                         // 3: area 3, dropped
        } }
        let masks = try Tensor(m, shape: [4, 10, 10])
        let image = try Tensor.full([3, 10, 10], 51, .init(dtype: .uint8))
        let g = try SegmentGraph(image: image, masks: masks, options: .init(minArea: 10))
        #expect(g.areas == [100, 50, 36])
        let x = try g.x.doubles()
        #expect(abs(x[0] - 0.2) < 1e-7 && abs(x[3] - 4.5 / 320) < 1e-7 && abs(x[9] - 2 / 320) < 1e-7)
        // Nodes: full (centre 4.5, 4.5), top half (4.5, 2), border (4.5, 4.5): edges full–top, top–border only.
        let a = try g.adjacency.doubles(), s = 1 / 2.0.squareRoot()
        let want = [0, s, 0, s, 0, s, 0, s, 0]
        for i in 0..<9 { #expect(abs(a[i] - want[i]) < 1e-7, "Â[\(i)] = \(a[i])") }
        // A single node has no edge: Â = [[0]].
        let single = try SegmentGraph(image: image, masks: masks.narrow(dim: 0, start: 0, length: 1))
        #expect(try single.adjacency.doubles() == [0])
        // Nothing reaches the area: an empty graph, which a batch refuses with the fix.
        let empty = try SegmentGraph(image: image, masks: masks.narrow(dim: 0, start: 3, length: 1))
        #expect(empty.nodeCount == 0)
        do {
            _ = try GraphBatch([single, empty])
            Issue.record("expected an error")
        } catch let e as DatasetError {
            #expect(e.message.contains("graph 1 has no nodes") && e.message.contains("minArea"))
        }
    }

    @Test func batchIsBlockDiagonalWithAGraphIndex() throws {
        let image = try Tensor.full([3, 8, 8], 10, .init(dtype: .uint8))
        var lab = [Int](repeating: 0, count: 64)
        for i in 0..<64 { lab[i] = i / 16 }  // four 2-row bands of 16 px
        let labels = try Tensor(lab, shape: [8, 8])
        let opts = SegmentGraph.Options(minArea: 1)
        let g1 = try SegmentGraph(image: image, labels: labels, label: 2, options: opts)
        let g2 = try SegmentGraph(image: image.narrow(dim: 1, start: 0, length: 4),
                                  labels: labels.narrow(dim: 0, start: 0, length: 4), label: 5, options: opts)
        #expect(g1.nodeCount == 4 && g2.nodeCount == 2)
        let batch = try GraphBatch([g1, g2])
        #expect(batch.nodeCounts == [4, 2] && batch.graphCount == 2)
        #expect(try batch.graphIndex.ints() == [0, 0, 0, 0, 1, 1])
        #expect(try batch.labels?.ints() == [2, 5])
        #expect(batch.x.shape == [6, 5] && batch.adjacency.shape == [6, 6])
        let a = try batch.adjacency.doubles()
        // Complete graphs: 1/3 inside the first block, 1 inside the second, 0 across and on the diagonal.
        #expect(abs(a[0 * 6 + 1] - 1.0 / 3) < 1e-7 && a[0] == 0 && a[0 * 6 + 4] == 0 && a[4 * 6 + 5] == 1)
        #expect(try batch.adjacency.narrow(dim: 0, start: 0, length: 4).narrow(dim: 1, start: 0, length: 4)
            .equal(g1.adjacency))
    }
}

extension SegmentGraphTests {
    /// LCZC-GES2 stores centre distances as `a`; DF4LCZ's loader keeps `a > 0` as the edges.
    @Test func distanceMatrixBecomesEdges() throws {
        let x = try Tensor.rand([3, 5])
        // Nodes 0 and 2 share a centre (distance 0): edges 0–1 and 1–2 only.
        let d = try Tensor([0, 0.3, 0, 0.3, 0, 0.3, 0, 0.3, 0] as [Float], shape: [3, 3])
        let g = try SegmentGraph(x: x, adjacency: d, label: 16)
        let s = 1 / 2.0.squareRoot()
        let a = try g.adjacency.doubles(), want = [0, s, 0, s, 0, s, 0, s, 0]
        #expect(zip(a, want).allSatisfy { abs($0 - $1) < 1e-7 })
        #expect(try g.x.equal(x) && g.label == 16)
    }
}

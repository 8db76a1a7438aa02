import Foundation

/// An R-tree over footprints (`BoundingBox`, optionally with a time interval) answering box/time queries in
/// O(log n + k). Built in one pass with Sort-Tile-Recursive packing, and grown afterwards by classic R-tree
/// insertion (least-enlargement descent, quadratic split).
///
/// Entries are identified by their insertion number (0, 1, 2, …); queries return those numbers in ascending
/// order, so a caller that keeps its items in an array gets them back in the order it gave them ("first file wins"
/// mosaicking relies on this). A missing time bound means unbounded on that side.
///
/// A value type: copies are independent (arrays copy on write), so an index can be shared across threads freely.
public struct SpatialIndex: Sendable {
    /// Maximum children per node.
    public let nodeCapacity: Int
    private var minFill: Int { max(2, nodeCapacity * 2 / 5) }

    /// The footprints in insertion order (`entries[id]`).
    public private(set) var entries: [BoundingBox] = []
    private var boxes: [Box] = []      // entries as numeric 3-D boxes
    private var nodes: [Node] = []
    private var root = -1

    /// An empty index.
    public init(nodeCapacity: Int = 16) {
        self.nodeCapacity = max(4, nodeCapacity)
    }

    /// Bulk-loads `footprints` (ids 0..<count in this order) with Sort-Tile-Recursive packing.
    public init<S: Sequence>(_ footprints: S, nodeCapacity: Int = 16) where S.Element == BoundingBox {
        self.init(nodeCapacity: nodeCapacity)
        entries = Array(footprints)
        boxes = entries.map(Box.init)
        buildSTR()
    }

    /// Number of footprints.
    public var count: Int { entries.count }
    public var isEmpty: Bool { entries.isEmpty }

    /// The union of all footprints (nil when empty). Time bounds are nil when any entry is unbounded that side.
    public var bounds: BoundingBox? {
        guard root >= 0 else { return nil }
        return nodes[root].box.boundingBox
    }

    /// Tree height (1 for a single leaf); useful to check the logarithmic shape.
    public var height: Int {
        guard root >= 0 else { return 0 }
        var h = 1, n = root
        while !nodes[n].leaf { n = nodes[n].children[0]; h += 1 }
        return h
    }

    /// Adds one footprint; returns its id.
    @discardableResult
    public mutating func insert(_ footprint: BoundingBox) -> Int {
        let id = entries.count
        entries.append(footprint)
        let b = Box(footprint)
        boxes.append(b)
        if root < 0 {
            nodes.append(Node(box: b, leaf: true, children: [id]))
            root = nodes.count - 1
            return id
        }
        // Descend by least enlargement, remembering the path.
        var path: [Int] = []
        var n = root
        while !nodes[n].leaf {
            path.append(n)
            var best = -1, bestGrow = Double.infinity, bestArea = Double.infinity
            for c in nodes[n].children {
                let a = nodes[c].box.area, grow = nodes[c].box.union(b).area - a
                if grow < bestGrow || (grow == bestGrow && a < bestArea) { best = c; bestGrow = grow; bestArea = a }
            }
            n = best
        }
        nodes[n].children.append(id)
        nodes[n].box = nodes[n].box.union(b)
        var split = nodes[n].children.count > nodeCapacity ? splitNode(n) : nil
        // Walk back up: refresh boxes and place split siblings.
        while let parent = path.popLast() {
            nodes[parent].box = nodes[parent].box.union(b)
            if let s = split {
                nodes[parent].children.append(s)
                nodes[parent].box = nodes[parent].box.union(nodes[s].box)
                split = nodes[parent].children.count > nodeCapacity ? splitNode(parent) : nil
            } else {
                split = nil
            }
        }
        if let s = split {  // the root split: grow a level
            let box = nodes[root].box.union(nodes[s].box)
            nodes.append(Node(box: box, leaf: false, children: [root, s]))
            root = nodes.count - 1
        }
        return id
    }

    /// Ids of the footprints that overlap `query` with positive area (edges that only touch do not count) and
    /// whose time intervals meet the query's (closed intervals), in ascending order.
    public func query(_ query: BoundingBox) -> [Int] {
        guard root >= 0 else { return [] }
        let q = Box(query)
        var out: [Int] = []
        var stack = [root]
        while let n = stack.popLast() {
            let node = nodes[n]
            if node.leaf {
                for e in node.children where boxes[e].intersects(q) { out.append(e) }
            } else {
                for c in node.children where nodes[c].box.intersects(q) { stack.append(c) }
            }
        }
        out.sort()
        return out
    }

    /// Ids whose footprints overlap the given time interval (any place); nil bounds are unbounded.
    public func query(timeFrom minT: Double?, to maxT: Double?) -> [Int] {
        query(BoundingBox(minX: -.infinity, minY: -.infinity, maxX: .infinity, maxY: .infinity, minT: minT, maxT: maxT))
    }

    // MARK: - internals

    /// A closed 3-D box; unbounded time is ±infinity.
    struct Box: Sendable {
        var minX, minY, maxX, maxY, minT, maxT: Double
        init(minX: Double, minY: Double, maxX: Double, maxY: Double, minT: Double, maxT: Double) {
            self.minX = minX; self.minY = minY; self.maxX = maxX; self.maxY = maxY; self.minT = minT; self.maxT = maxT
        }
        init(_ b: BoundingBox) {
            self.init(minX: b.minX, minY: b.minY, maxX: b.maxX, maxY: b.maxY,
                      minT: b.minT ?? -.infinity, maxT: b.maxT ?? .infinity)
        }
        /// Same rule as `BoundingBox.intersects`: positive-area overlap in x/y, closed time intervals meet.
        @inline(__always) func intersects(_ o: Box) -> Bool {
            minX < o.maxX && o.minX < maxX && minY < o.maxY && o.minY < maxY
                && Swift.max(minT, o.minT) <= Swift.min(maxT, o.maxT)
        }
        func union(_ o: Box) -> Box {
            Box(minX: Swift.min(minX, o.minX), minY: Swift.min(minY, o.minY), maxX: Swift.max(maxX, o.maxX),
                maxY: Swift.max(maxY, o.maxY), minT: Swift.min(minT, o.minT), maxT: Swift.max(maxT, o.maxT))
        }
        var area: Double { (maxX - minX) * (maxY - minY) }
        var centerX: Double { (minX + maxX) / 2 }
        var centerY: Double { (minY + maxY) / 2 }
        var boundingBox: BoundingBox {
            BoundingBox(minX: minX, minY: minY, maxX: maxX, maxY: maxY,
                        minT: minT.isFinite ? minT : nil, maxT: maxT.isFinite ? maxT : nil)
        }
    }

    struct Node: Sendable {
        var box: Box
        var leaf: Bool
        var children: [Int]  // entry ids in a leaf, node indices otherwise
    }

    private func unionBox(_ items: ArraySlice<Int>, leaf: Bool) -> Box {
        var b = leaf ? boxes[items.first!] : nodes[items.first!].box
        for i in items.dropFirst() { b = b.union(leaf ? boxes[i] : nodes[i].box) }
        return b
    }

    /// Sort-Tile-Recursive: sort by x centre into √(n/M) vertical slabs, sort each slab by y centre, pack runs of M;
    /// repeat on the node level until one node remains.
    private mutating func buildSTR() {
        nodes = []
        root = -1
        guard !boxes.isEmpty else { return }
        var level = Array(0..<boxes.count)
        var leaf = true
        while true {
            let centers: [(Double, Double)] = level.map { i in
                let b = leaf ? boxes[i] : nodes[i].box
                return (b.centerX, b.centerY)
            }
            var order = Array(0..<level.count)
            order.sort { centers[$0].0 < centers[$1].0 }
            let m = nodeCapacity
            let pages = (level.count + m - 1) / m
            let slabs = Int(Double(pages).squareRoot().rounded(.up))
            let perSlab = slabs * m
            var next: [Int] = []
            var s = 0
            while s < order.count {
                var slab = Array(order[s..<min(s + perSlab, order.count)])
                slab.sort { centers[$0].1 < centers[$1].1 }
                var k = 0
                while k < slab.count {
                    let members = slab[k..<min(k + m, slab.count)].map { level[$0] }
                    nodes.append(Node(box: unionBox(members[...], leaf: leaf), leaf: leaf, children: members))
                    next.append(nodes.count - 1)
                    k += m
                }
                s += perSlab
            }
            if next.count == 1 { root = next[0]; return }
            level = next
            leaf = false
        }
    }

    /// Quadratic split of an overfull node: the pair wasting the most area seeds two groups, the rest go where they
    /// enlarge least (respecting the minimum fill). Returns the new sibling's index.
    private mutating func splitNode(_ n: Int) -> Int {
        let leaf = nodes[n].leaf
        let items = nodes[n].children
        let (entryBoxes, nodeList) = (boxes, nodes)
        let bx: (Int) -> Box = { leaf ? entryBoxes[$0] : nodeList[$0].box }
        var seedA = 0, seedB = 1, worst = -Double.infinity
        for i in 0..<items.count {
            for j in (i + 1)..<items.count {
                let a = bx(items[i]), b = bx(items[j])
                let waste = a.union(b).area - a.area - b.area
                if waste > worst { worst = waste; seedA = i; seedB = j }
            }
        }
        var groupA = [items[seedA]], groupB = [items[seedB]]
        var boxA = bx(items[seedA]), boxB = bx(items[seedB])
        let rest = items.enumerated().filter { $0.offset != seedA && $0.offset != seedB }.map(\.element)
        for (k, it) in rest.enumerated() {
            let remaining = rest.count - k
            if groupA.count + remaining <= minFill { groupA.append(it); boxA = boxA.union(bx(it)); continue }
            if groupB.count + remaining <= minFill { groupB.append(it); boxB = boxB.union(bx(it)); continue }
            let b = bx(it)
            let growA = boxA.union(b).area - boxA.area, growB = boxB.union(b).area - boxB.area
            if growA < growB || (growA == growB && groupA.count <= groupB.count) {
                groupA.append(it); boxA = boxA.union(b)
            } else {
                groupB.append(it); boxB = boxB.union(b)
            }
        }
        nodes[n].children = groupA
        nodes[n].box = boxA
        nodes.append(Node(box: boxB, leaf: leaf, children: groupB))
        return nodes.count - 1
    }
}

import StrataTensor

/// ClearSCD's training loss, by component (each a scalar tensor; `total` is what the authors back-propagate).
public struct ClearSCDLosses {
    /// BCE-with-logits over pixels whose change label is not 255, mean (the authors' `BCEWithIgnoreLoss`).
    public var bce: Tensor
    /// smp `DiceLoss(mode="binary", ignore_index=255)` on the change logit.
    public var dice: Tensor
    /// Cross-entropy of each date's upsampled logits, `ignore_index = classes`.
    public var segA: Tensor, segB: Tensor
    /// Local SACL (InfoNCE, already × `contrastWeight` / classes present).
    public var localContrast: Tensor
    /// Global SACL (queue cosine loss, × `globalContrastWeight`, 1 as released); 0 during warm-up.
    public var globalContrast: Tensor
    /// BSCC (already × `bsccWeight`).
    public var bscc: Tensor
    /// `bce + dice + segA + segB + localContrast + globalContrast + bscc`.
    public var total: Tensor

    /// Components by name, for logging (`bcd` = bce + dice, `contrast` = local + global).
    public func components() throws -> [String: Double] {
        ["bce": try bce.item(), "dice": try dice.item(), "bcd": try (bce + dice).item(), "seg_a": try segA.item(),
         "seg_b": try segB.item(), "contrast_local": try localContrast.item(),
         "contrast_global": try globalContrast.item(), "contrast": try (localContrast + globalContrast).item(),
         "bscc": try bscc.item(), "total": try total.item()]
    }
}

extension ClearSCD {
    /// The training loss of one batch, as the authors' `main.py` + `ClearSCD.forward(test=False)`, and — for global
    /// SACL — the memory-queue update (after the loss is formed, from the batch's decoder features, in place).
    ///
    /// - Parameters:
    ///   - out: `semanticChange(before:after:)` of the batch (its `extra` entries are used).
    ///   - labelA, labelB: semantic labels `[B, H, W]` (int), `classes` = unlabelled.
    ///   - change: change labels `[B, H, W]`, 0/1, 255 = unlabelled.
    ///   - warmup: the authors' `epoch <= warmup_epoch`: global SACL then only fills the queues.
    ///
    /// Local SACL: labels nearest-downsampled to stride 4; per class and date up to `sampleNum` random pixels;
    /// queries = projected features, keys = L2-normalised decoder features; per class present, anchor =
    /// normalised mean of its queries, InfoNCE (τ) of each same-class key against all other-class keys; summed,
    /// × `contrastWeight`, ÷ number of classes drawn. Global SACL: per class a prototype of the projected features
    /// weighted by 1 − p_class (`hardSampling`), normalised; loss ½[mean(1 − cos(q, own queues A∪B)) +
    /// mean(1 + cos(q, other classes' queues A∪B))], summed and ÷ (2 × classes) per date, both dates added; then
    /// up to `enqueueLength` random normalised decoder keys per class (classes with that many pixels) enter the
    /// date's FIFO queue. BSCC: d = |dec_A − dec_B|, p = sigmoid(stride-4 change logit), t = round(p);
    /// ½Σ(1−p)[t=0]d²/n_u + ½Σp[t=1]max(0, m − d)²/n_c, ÷ 128, × `bsccWeight` (gradients flow through p).
    public func losses(_ out: SemanticChangeOutput, labelA: Tensor, labelB: Tensor, change: Tensor,
                       warmup: Bool) throws -> ClearSCDLosses {
        let k = config.classes
        for (name, t) in [("labelA", labelA), ("labelB", labelB), ("change", change)] {
            guard t.rank == 3, t.shape[0] == out.before.shape[0], Array(t.shape[1...]) == Array(out.before.shape[2...])
            else {
                throw ModelError("ClearSCD losses: \(name) must be [B, H, W] matching the logits \(out.before.shape), "
                                 + "got \(t.shape)")
            }
        }
        guard let decA = out.extra["decoderA"], let decB = out.extra["decoderB"], let la4 = out.extra["logitsA4"],
              let lb4 = out.extra["logitsB4"], let change4 = out.extra["change4"]
        else {
            throw ModelError("ClearSCD losses: the output lacks ClearSCD's extra tensors (decoderA/B, logitsA4/B4, "
                             + "change4); pass the result of ClearSCD.semanticChange")
        }
        let a = try labelA.to(.int64), b = try labelB.to(.int64), cm = try change.to(.int64)
        let bce = try Self.bceIgnoring(out.change, cm, ignore: 255)
        let dice = try Self.binaryDice(out.change, cm, ignore: 255)
        let segA = try Functional.crossEntropy(out.before, a, ignoreIndex: k)
        let segB = try Functional.crossEntropy(out.after, b, ignoreIndex: k)
        let zero = try Tensor.zeros([])
        var local = zero, global = zero
        if config.localContrast || config.globalContrast {
            let h = decA.shape[2], w = decA.shape[3]
            let a4 = try Self.downsampledLabels(a, h: h, w: w), b4 = try Self.downsampledLabels(b, h: h, w: w)
            let projA = try projHead(decA), projB = try projHead(decB)
            if config.localContrast {
                local = try localContrastLoss(projA: projA, projB: projB, decA: decA, decB: decB, labelA: a4, labelB: b4)
            }
            if config.globalContrast {
                global = try globalContrastLoss(decA: decA, decB: decB, logitsA: la4, logitsB: lb4, labelA: a4,
                                                labelB: b4, projA: projA, projB: projB, warmup: warmup)
            }
        }
        let bscc = config.withBSCC ? try bsccLoss(decA: decA, decB: decB, change4: change4) * config.bsccWeight : zero
        let total = try bce + dice + segA + segB + local + global + bscc
        return ClearSCDLosses(bce: bce, dice: dice, segA: segA, segB: segB, localContrast: local,
                              globalContrast: global, bscc: bscc, total: total)
    }

    // MARK: change loss

    /// Mean BCE-with-logits over pixels whose target ≠ `ignore` (logit `[B, 1, H, W]`, target `[B, H, W]`).
    static func bceIgnoring(_ logit: Tensor, _ target: Tensor, ignore: Int) throws -> Tensor {
        let x = try logit.squeeze(dim: 1)
        let t = try target.to(x.dtype)
        let per = try Functional.binaryCrossEntropyWithLogits(x, t, reduction: .none)
        return try per.maskedSelect(target.ne(Double(ignore))).mean()
    }

    /// smp `DiceLoss(mode="binary", from_logits=True, smooth=0, eps=1e-7, ignore_index)`: p = exp(logsigmoid(x)),
    /// ignored pixels zeroed in p and t, dice over batch and pixels, 1 − dice (0 when no positive pixel).
    static func binaryDice(_ logit: Tensor, _ target: Tensor, ignore: Int) throws -> Tensor {
        let n = logit.shape[0]
        let keep = try target.ne(Double(ignore)).to(logit.dtype).reshape([n, 1, -1])
        let p = try logit.logSigmoid().exp().reshape([n, 1, -1]) * keep
        let t = try target.to(logit.dtype).reshape([n, 1, -1]) * keep
        let inter = try (p * t).sum(dims: [0, 2])
        let card = try (p + t).sum(dims: [0, 2])
        let loss = try 1.0 - (inter * 2.0) / card.clamp(min: 1e-7)
        let present = try t.sum(dims: [0, 2]).gt(0).to(loss.dtype)
        return try (loss * present).mean()
    }

    // MARK: SACL helpers

    /// `F.interpolate(label[:, None].float(), size=(h, w), mode="nearest")`, flattened batch-major to `[B·h·w]`.
    static func downsampledLabels(_ label: Tensor, h: Int, w: Int) throws -> Tensor {
        try label.unsqueeze(1).to(.float32).interpolate(size: [h, w], mode: .nearest).to(.int64).reshape([-1])
    }

    /// `[B, C, h, w]` → `[C, B·h·w]` (batch-major pixel columns, as the authors' reshape/permute).
    static func pixelColumns(_ f: Tensor) throws -> Tensor {
        let c = f.shape[1]
        return try f.reshape([f.shape[0], c, -1]).permute(1, 0, 2).reshape([c, -1])
    }

    /// The classes the authors' samplers visit: the smallest label present always (even the ignore value), then
    /// every other present label below `classes`.
    func visitedClasses(_ label: Tensor) throws -> [Int] {
        let present = try label.unique().values.toArray(Int64.self).map(Int.init)
        guard let first = present.first else { return [] }
        if !config.countIgnoredFirstClass && first >= config.classes { return [] }
        return [first] + present.dropFirst().filter { $0 < config.classes }
    }

    /// Column indices of class `c` in `label`, a random subset of at most `limit` (`randperm` then truncate).
    static func sampleIndices(_ label: Tensor, _ c: Int, limit: Int) throws -> Tensor {
        let idx = try label.eq(Double(c)).nonzero().reshape([-1])
        let n = idx.shape[0]
        guard n > limit else { return idx }
        let perm = try Tensor.rand([n]).argsort().narrow(dim: 0, start: 0, length: limit)
        return try idx.indexSelect(dim: 0, index: perm)
    }

    /// Random per-class pixel columns of `features` (`[C, N]`), with their class of each column.
    func sampledColumns(_ features: Tensor, _ label: Tensor, limit: Int) throws -> (columns: Tensor, classes: [Int]) {
        var cols: [Tensor] = [], classes: [Int] = []
        for c in try visitedClasses(label) {
            let idx = try Self.sampleIndices(label, c, limit: limit)
            cols.append(try features.indexSelect(dim: 1, index: idx))
            classes += Array(repeating: c, count: idx.shape[0])
        }
        return (try Tensor.cat(cols, dim: 1), classes)
    }

    static func normalizedColumns(_ x: Tensor) throws -> Tensor {
        try x / x.norm(dims: [0], keepdim: true).clamp(min: 1e-12)
    }

    func localContrastLoss(projA: Tensor, projB: Tensor, decA: Tensor, decB: Tensor, labelA: Tensor,
                           labelB: Tensor) throws -> Tensor {
        let n = config.sampleNum
        let qa = try sampledColumns(Self.pixelColumns(projA), labelA, limit: n)
        let qb = try sampledColumns(Self.pixelColumns(projB), labelB, limit: n)
        let ka = try sampledColumns(Self.pixelColumns(decA), labelA, limit: n)
        let kb = try sampledColumns(Self.pixelColumns(decB), labelB, limit: n)
        let queries = try Tensor.cat([qa.columns, qb.columns], dim: 1)
        let keys = try Tensor.cat([Self.normalizedColumns(ka.columns), Self.normalizedColumns(kb.columns)], dim: 1)
        let qClasses = qa.classes + qb.classes, kClasses = ka.classes + kb.classes
        let qTensor = try Tensor(qClasses.map(Int64.init), shape: [qClasses.count])
        let kTensor = try Tensor(kClasses.map(Int64.init), shape: [kClasses.count])
        let present = Set(qClasses)
        guard !present.isEmpty else { return try Tensor.zeros([]) }
        var total: Tensor? = nil
        for c in 0..<config.classes where present.contains(c) {
            let anchor = try Self.normalizedColumns(queries.indexSelect(dim: 1, index: qTensor.eq(Double(c))
                .nonzero().reshape([-1])).mean(dim: 1, keepdim: true))             // [C, 1]
            let sims = try anchor.transpose(0, 1).matmul(keys).reshape([-1]) / config.temperature   // [N]
            let isPos = try kTensor.eq(Double(c))
            let pos = try sims.maskedSelect(isPos)
            let neg = try sims.maskedSelect(isPos.logicalNot())
            let term: Tensor
            if neg.shape[0] == 0 {
                term = try (pos - pos).mean()           // a single logit per row: cross-entropy 0
            } else {
                // cross-entropy of [s_p, s_neg…] with target 0, averaged over positives
                term = try (pos.logaddexp(neg.logsumexp(dim: 0).expandAs(pos)) - pos).mean()
            }
            total = try total.map { try $0 + term } ?? term
        }
        guard let total else { return try Tensor.zeros([]) }
        return try total * (config.contrastWeight / Double(present.count))
    }

    func globalContrastLoss(decA: Tensor, decB: Tensor, logitsA: Tensor, logitsB: Tensor, labelA: Tensor,
                            labelB: Tensor, projA: Tensor, projB: Tensor, warmup: Bool) throws -> Tensor {
        let keysA = try Torch.noGrad {
            try sampledColumns(Self.pixelColumns(decA.detached()), labelA, limit: config.enqueueLength)
        }
        let keysB = try Torch.noGrad {
            try sampledColumns(Self.pixelColumns(decB.detached()), labelB, limit: config.enqueueLength)
        }
        var loss = try Tensor.zeros([])
        if !warmup {
            let k = config.classes
            let meanA = try Torch.noGrad {
                try Tensor.stack((0..<k).map { try queue("A", $0).queue.mean(dim: 1) })  // [K, C]
            }
            let meanB = try Torch.noGrad {
                try Tensor.stack((0..<k).map { try queue("B", $0).queue.mean(dim: 1) })
            }
            let both = try (meanA + meanB) / 2.0
            for (proj, logits, label) in [(projA, logitsA, labelA), (projB, logitsB, labelB)] {
                let (queries, classes) = try prototypes(proj, logits, label)
                guard !classes.isEmpty else { continue }
                let m = try queries.matmul(both.transpose(0, 1))                       // [n, K]
                let own = try Tensor(classes.map(Int64.init), shape: [classes.count, 1])
                let pos = try m.gather(dim: 1, index: own).reshape([-1])
                let neg = try (m.sum(dim: 1) - pos) / Double(k - 1)
                let perClass = try ((1.0 - pos) + (1.0 + neg)) / 2.0
                loss = try loss + perClass.sum() / Double(2 * classes.count)
            }
            loss = try loss * config.globalContrastWeight
        }
        try Torch.noGrad {
            try enqueue(keysA, date: "A")
            try enqueue(keysB, date: "B")
        }
        return loss
    }

    /// Per visited class below `classes`: the normalised (1 − p_class)-weighted (or plain) mean of the projected
    /// features of its pixels, p = softmax of the detached stride-4 logits. Rows `[n, C]` and their classes.
    func prototypes(_ proj: Tensor, _ logits: Tensor, _ label: Tensor) throws -> (Tensor, [Int]) {
        let fea = try Self.pixelColumns(proj)
        let soft = try Self.pixelColumns(logits.detached().softmax(dim: 1))
        var rows: [Tensor] = [], classes: [Int] = []
        for c in try visitedClasses(label) where c < config.classes {
            let idx = try label.eq(Double(c)).nonzero().reshape([-1])
            let f = try fea.indexSelect(dim: 1, index: idx)
            let q: Tensor
            if config.hardSampling {
                let wgt = try 1.0 - soft.select(dim: 0, index: c).indexSelect(dim: 0, index: idx)
                q = try (f * wgt.unsqueeze(0)).sum(dim: 1) / wgt.sum()
            } else {
                q = try f.mean(dim: 1)
            }
            rows.append(q)
            classes.append(c)
        }
        guard !rows.isEmpty else { return (try Tensor.zeros([0, fea.shape[0]]), []) }
        let q = try Tensor.stack(rows)
        return (try q / q.norm(dims: [1], keepdim: true).clamp(min: 1e-12), classes)
    }

    /// FIFO write of `enqueueLength` normalised key columns per class that has that many.
    func enqueue(_ keys: (columns: Tensor, classes: [Int]), date: String) throws {
        let len = config.enqueueLength
        guard !keys.classes.isEmpty else { return }
        let cols = try Self.normalizedColumns(keys.columns)
        let tags = try Tensor(keys.classes.map(Int64.init), shape: [keys.classes.count])
        for c in Set(keys.classes).sorted() where c < config.classes {
            let idx = try tags.eq(Double(c)).nonzero().reshape([-1])
            guard idx.shape[0] >= len else { continue }
            let (q, ptr) = queue(date, c)
            let p = try ptr.itemInt()
            try q.narrow(dim: 1, start: p, length: len).copy_(cols.indexSelect(dim: 1, index: idx))
            try ptr.fill_(Double((p + len) % config.queueLength))
        }
    }

    // MARK: BSCC

    func bsccLoss(decA: Tensor, decB: Tensor, change4: Tensor) throws -> Tensor {
        let d = try (decA - decB).abs()
        let p = try change4.sigmoid()
        let t = try p.detached().round()
        let changed = try t.eq(1).to(p.dtype), unchanged = try t.eq(0).to(p.dtype)
        let eps = 1e-4
        let nU = try (unchanged * (1.0 - p)).sum() + eps
        let nC = try (changed * p).sum() + eps
        let m = config.bsccMargin
        let termU = try ((1.0 - p) * unchanged * d.square()).sum() / nU
        let termC = try (p * changed * (m - d).clamp(min: 0).square()).sum() / nC
        return try (termU * 0.5 + termC * 0.5) / 128.0
    }
}

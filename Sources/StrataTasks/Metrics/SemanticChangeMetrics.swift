/// Semantic change detection (SCD) metrics in the two conventions the literature uses, side by side. They differ
/// in the label format, in what "change" is measured from and in how κ is built, so their SeK values are not
/// comparable; report which one a figure comes from.
///
/// ```
///                 SECOND (Bi-SRNet SCDD_eval_all,            ClearSCD (test.py + utils/evaluator.py)
///                 Eval_SCD.py)
/// labels          per date: 0 = no change, 1…N = class on    per date: class 0…C−1 on every pixel, C =
///                 changed pixels; predictions alike           unlabelled; change map 0/1, 255 = unlabelled
/// pixels counted  both dates stacked into one (N+1)²         one from→to code per pixel: A·C+B, or C² where
///                 histogram (rows predictions)                the labels' dates agree / the mask is 0;
///                                                             a pixel with an unlabelled date is dropped
/// binary change   from the histogram (class 0 or not)         change mask vs change label, its own 2×2
/// κ for SeK       histogram with cell (0,0) zeroed            (C²+1)² from→to matrix with the no-change/
///                                                             no-change cell zeroed (kappa_nuc)
/// SeK             κ_n0 · e^(IoU_change − 1)                   κ_nuc · e^(IoU_change − 1); SeK_mod too
/// mIoU            (IoU_no-change + IoU_change) / 2            SEG_mIoU: per-class IoU of both dates' maps
/// also            Fscd, Score = 0.3·mIoU + 0.7·SeK, OA per    OA_scd, κ, F1/IoU and "_mod", SEG_mF1, mIoU_sc,
///                 image (and pooled)                          mIoU_nc, binary consistency, Overall_Score
/// rounding        none                                        F1s and mean IoUs to 5 decimals
/// ```
///
/// `SemanticChangeMetrics.SECOND` and `SemanticChangeMetrics.ClearSCD` accumulate over `update` calls (one per
/// batch) exactly as the originals accumulate over their loaders, so the figures equal the originals' on the same
/// arrays (`reference-outputs/scd-metrics`: every figure to 1e-9).
public enum SemanticChangeMetrics {}

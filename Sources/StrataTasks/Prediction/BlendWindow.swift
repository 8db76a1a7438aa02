// No imports: compiled into the portable GPU benchmark too (scripts/build-portable), which has no StrataGeo.

/// How overlapping tiles are weighted where they meet.
public enum BlendWindow: Sendable, Equatable {
    /// Raised-cosine ramps over each overlap, flat elsewhere: weights of two neighbouring tiles sum to 1 across their
    /// overlap and are exactly 0 on a tile's outermost pixel (where zero padding makes a convolution's output least
    /// reliable). Sides on the scene's edge are not tapered. The default.
    case cosine
    /// A 2-D Gaussian centred on the tile, σ = `sigma` × tile size (nnU-Net uses 1/8), never zero.
    case gaussian(sigma: Double)
    /// Plain averaging.
    case uniform
}

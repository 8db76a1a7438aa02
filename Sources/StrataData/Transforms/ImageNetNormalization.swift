import StrataTensor

/// The input most ImageNet-pretrained RGB models take (torchvision's and TinyCD's preprocessing): 8-bit values
/// divided by 255 in float32, then `(x − mean_c) / std_c` with mean (0.485, 0.456, 0.406) and std (0.229, 0.224,
/// 0.225) cast to float32 — bit for bit what `torchvision.transforms.ToTensor` + `Normalize` compute.
public enum ImageNetNormalization {
    public static let mean: [Float] = [0.485, 0.456, 0.406]
    public static let std: [Float] = [0.229, 0.224, 0.225]

    /// `image`: `[3, H, W]` or `[N, 3, H, W]`, 8-bit values (uint8, or float holding 0…255). Returns float32.
    public static func apply(_ image: Tensor) throws -> Tensor {
        guard image.rank == 3 || image.rank == 4, image.size(-3) == 3 else {
            throw TorchError("ImageNetNormalization: expected an RGB image [3, H, W] or batch [N, 3, H, W], got "
                + "shape \(image.shape)")
        }
        let shape = image.rank == 3 ? [3, 1, 1] : [1, 3, 1, 1]
        let m = try Tensor(mean, shape: shape), s = try Tensor(std, shape: shape)
        return try (image.to(.float32) / 255.0 - m) / s
    }
}

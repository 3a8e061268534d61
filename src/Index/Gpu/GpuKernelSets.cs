using ILGPU;
using ILGPU.Runtime;

namespace AnnSql.Index.Gpu;

/// <summary>The element-typed kernels of one accelerator, compiled once when first needed.</summary>
internal sealed class GpuElementKernels<T, TElement>
    where T : unmanaged
    where TElement : struct, IGpuElement<T>
{
    public GpuElementKernels(Accelerator accelerator)
    {
        Distances = accelerator.LoadAutoGroupedStreamKernel<Index2D, ArrayView<T>, ArrayView<T>, ArrayView<float>, DistanceArgs>(
            GpuKernels.Distances<T, TElement>);
        PartialTopK = accelerator.LoadAutoGroupedStreamKernel<
            Index2D, ArrayView<T>, ArrayView<byte>, ArrayView<T>, ArrayView<float>, ArrayView<uint>, PartialTopKArgs>(
            GpuKernels.PartialTopK<T, TElement>);
    }

    /// <summary><see cref="GpuKernels.Distances{T, TElement}"/>.</summary>
    public Action<Index2D, ArrayView<T>, ArrayView<T>, ArrayView<float>, DistanceArgs> Distances { get; }

    /// <summary><see cref="GpuKernels.PartialTopK{T, TElement}"/>.</summary>
    public Action<Index2D, ArrayView<T>, ArrayView<byte>, ArrayView<T>, ArrayView<float>, ArrayView<uint>, PartialTopKArgs> PartialTopK { get; }
}

/// <summary>The kernels that do not depend on the element type, compiled once when first needed.</summary>
internal sealed class GpuCommonKernels
{
    public GpuCommonKernels(Accelerator accelerator)
    {
        MergeTopK = accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<uint>, ArrayView<float>, ArrayView<uint>, MergeArgs>(GpuKernels.MergeTopK);
        KMeansAssign = accelerator.LoadAutoGroupedStreamKernel<
            Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, KMeansArgs>(GpuKernels.KMeansAssign);
        KMeansSums = accelerator.LoadAutoGroupedStreamKernel<
            Index2D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<double>, ArrayView<int>, KMeansArgs>(GpuKernels.KMeansSums);
        KMeansMeans = accelerator.LoadAutoGroupedStreamKernel<
            Index2D, ArrayView<double>, ArrayView<int>, ArrayView<float>, KMeansArgs>(GpuKernels.KMeansMeans);
    }

    public Action<Index1D, ArrayView<float>, ArrayView<uint>, ArrayView<float>, ArrayView<uint>, MergeArgs> MergeTopK { get; }

    public Action<Index1D, ArrayView<float>, ArrayView<float>, ArrayView<int>, ArrayView<float>, KMeansArgs> KMeansAssign { get; }

    public Action<Index2D, ArrayView<float>, ArrayView<int>, ArrayView<int>, ArrayView<double>, ArrayView<int>, KMeansArgs> KMeansSums { get; }

    public Action<Index2D, ArrayView<double>, ArrayView<int>, ArrayView<float>, KMeansArgs> KMeansMeans { get; }
}

using System.Reflection;
using AnnSql.Index.Gpu;
using ILGPU;
using ILGPU.Backends.EntryPoints;
using ILGPU.Backends.PTX;
using ILGPU.Runtime;
using ILGPU.Runtime.Cuda;

namespace AnnSql.Index.Tests.Gpu;

/// <summary>
/// Every kernel compiles to PTX for an sm_80 GPU without a GPU present, so the CUDA path cannot fail on an operation the
/// CPU accelerator accepts but the PTX backend does not (half conversions, double math, NaN tests).
/// </summary>
public sealed class GpuPtxTests
{
    public static TheoryData<string> Kernels => new(
        "Distances<float>", "Distances<half>", "PartialTopK<float>", "PartialTopK<half>", "MergeTopK", "KMeansAssign", "KMeansSums",
        "KMeansMeans");

    [Theory]
    [MemberData(nameof(Kernels))]
    public void KernelCompilesToPtx(string kernel)
    {
        MethodInfo method = Resolve(kernel);
        using Context context = Context.Create(builder => builder.Cuda());
        using PTXBackend backend = new(context, CudaArchitecture.SM_80, CudaInstructionSet.ISA_70, nvvmAPI: null!);
        EntryPointDescription entry = EntryPointDescription.FromImplicitlyGroupedKernel(method);
        KernelSpecialization specialization = default;
        PTXCompiledKernel compiled = Assert.IsType<PTXCompiledKernel>(backend.Compile(entry, specialization));
        File.WriteAllText("/tmp/ptx-" + kernel.Replace("<", "-", StringComparison.Ordinal).Replace(">", "", StringComparison.Ordinal) + ".ptx", compiled.PTXAssembly);
        Assert.Contains(".entry", compiled.PTXAssembly, StringComparison.Ordinal);
        Assert.Contains(".target sm_80", compiled.PTXAssembly, StringComparison.Ordinal);
    }

    private static MethodInfo Resolve(string kernel)
    {
        int bracket = kernel.IndexOf('<', StringComparison.Ordinal);
        string name = bracket < 0 ? kernel : kernel[..bracket];
        MethodInfo method = typeof(GpuKernels).GetMethod(name, BindingFlags.Public | BindingFlags.Static)!;
        return kernel.EndsWith("<float>", StringComparison.Ordinal)
            ? method.MakeGenericMethod(typeof(float), typeof(FloatElement))
            : kernel.EndsWith("<half>", StringComparison.Ordinal)
                ? method.MakeGenericMethod(typeof(ILGPU.Half), typeof(HalfElement))
                : method;
    }
}

namespace AnnSql.Wire.Tests;

public class DependencyTests
{
    [Fact]
    public void Wire_references_no_other_AnnSql_assembly()
    {
        var references = typeof(WireAssembly).Assembly.GetReferencedAssemblies().Select(a => a.Name ?? "");
        Assert.DoesNotContain(references, name => name.StartsWith("AnnSql.", StringComparison.Ordinal));
    }
}

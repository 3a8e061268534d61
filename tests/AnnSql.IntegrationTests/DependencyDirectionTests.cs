using System.Reflection;
using System.Xml.Linq;
using AnnSql.IntegrationTests.Infrastructure;

namespace AnnSql.IntegrationTests;

/// <summary>
/// The layering of the server (DESIGN.md §1): Host → Wire, Host → Sql → Index, Host → Tools → Index (the command-line
/// tools, clients of the server); Wire and Index reference no other AnnSql
/// assembly. Checked twice: in the compiled assemblies' metadata and in the project files' ProjectReference items (which
/// also catch a reference that no code uses yet).
/// </summary>
public sealed class DependencyDirectionTests
{
    public static TheoryData<string, string[]> Allowed => new()
    {
        { "AnnSql.Wire", [] },
        { "AnnSql.Index", [] },
        { "AnnSql.Sql", ["AnnSql.Index"] },
        { "AnnSql.Tools", ["AnnSql.Index"] },
        { "annsql", ["AnnSql.Wire", "AnnSql.Sql", "AnnSql.Index", "AnnSql.Tools"] },
    };

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Assembly_references_only_lower_layers(string assembly, string[] allowed)
    {
        var references = Assembly.Load(assembly).GetReferencedAssemblies()
            .Select(a => a.Name ?? "")
            .Where(IsAnnSql)
            .ToList();
        Assert.All(references, r => Assert.Contains(r, allowed));
    }

    [Theory]
    [MemberData(nameof(Allowed))]
    public void Project_references_only_lower_layers(string assembly, string[] allowed)
    {
        string folder = assembly switch
        {
            "AnnSql.Wire" => "Wire",
            "AnnSql.Index" => "Index",
            "AnnSql.Sql" => "Sql",
            "AnnSql.Tools" => "Tools",
            _ => "Host",
        };
        string project = Path.Combine(MnistDataset.FindRepositoryRoot(), "src", folder, $"AnnSql.{folder}.csproj");
        var referenced = XDocument.Load(project).Descendants("ProjectReference")
            .Select(r => Path.GetFileNameWithoutExtension((string)r.Attribute("Include")!))
            .ToList();
        Assert.All(referenced, r => Assert.Contains(r, allowed.Select(a => a.Replace("annsql", "AnnSql.Host", StringComparison.Ordinal))));
    }

    private static bool IsAnnSql(string name) =>
        name.StartsWith("AnnSql.", StringComparison.Ordinal) || name == "annsql";
}

namespace AnnSql.Index.Tests;

/// <summary>The test classes sharing one <see cref="DeletableMnistFixture"/> (built once, so they run one after another).</summary>
[CollectionDefinition(Name)]
public sealed class DeletableMnistCollection : ICollectionFixture<DeletableMnistFixture>
{
    public const string Name = "Deletable MNIST";
}

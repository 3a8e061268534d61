using AnnSql.Index.Vamana;

namespace AnnSql.Index.Tests;

/// <summary>The sorted-label-set helpers and the label directory behind filtered Vamana, against plain set arithmetic.</summary>
public sealed class LabelSetsTests
{
    private const int Seed = 20230430;

    [Fact]
    public void Normalize_sorts_deduplicates_and_shares_the_empty_set()
    {
        Assert.Same(LabelSets.Empty, LabelSets.Normalize([]));
        Assert.Equal([int.MinValue, -1, 0, 7, int.MaxValue], LabelSets.Normalize([7, int.MaxValue, -1, 7, 0, int.MinValue, -1]));
        int[] sorted = [1, 2, 3];
        int[] copy = LabelSets.Normalize(sorted);
        Assert.Equal(sorted, copy);
        Assert.NotSame(sorted, copy);
        Assert.True(LabelSets.IsStrictlyAscending([]));
        Assert.True(LabelSets.IsStrictlyAscending([-5, 0, 9]));
        Assert.False(LabelSets.IsStrictlyAscending([0, 0]));
        Assert.False(LabelSets.IsStrictlyAscending([2, 1]));
    }

    [Fact]
    public void Set_tests_agree_with_hash_sets_on_random_small_sets()
    {
        Random random = new(Seed);
        for (int trial = 0; trial < 20_000; trial++)
        {
            int[] a = RandomSet(random);
            int[] b = RandomSet(random);
            int[] c = RandomSet(random);
            HashSet<int> setA = [.. a];
            HashSet<int> setB = [.. b];
            HashSet<int> setC = [.. c];
            Assert.Equal(setA.Overlaps(setB), LabelSets.Intersects(a, b));
            Assert.Equal(setA.IsSubsetOf(setB), LabelSets.IsSubset(a, b));
            Assert.Equal(setA.Intersect(setB).All(setC.Contains), LabelSets.SharedLabelsAreIn(a, b, c));
            foreach (int label in new[] { -1, 0, 5, 17, 40 })
            {
                Assert.Equal(setA.Contains(label), LabelSets.Contains(a, label));
            }
        }
    }

    [Fact]
    public void Directory_finds_every_label_while_it_grows_and_postings_stay_ordered()
    {
        LabelDirectory directory = new();
        int[] labels = [.. Enumerable.Range(-5000, 10_000).Select(i => i * 7919), int.MinValue, int.MaxValue];
        for (int i = 0; i < labels.Length; i++)
        {
            LabelDirectory.Entry entry = directory.GetOrAdd(labels[i], (uint)i);
            Assert.Same(entry, directory.GetOrAdd(labels[i], 0));
            entry.Append((uint)i);
            Assert.Equal(i + 1, directory.Count);
        }

        for (int i = 0; i < labels.Length; i++)
        {
            LabelDirectory.Entry? entry = directory.Find(labels[i]);
            Assert.NotNull(entry);
            Assert.Equal(labels[i], entry.Label);
            Assert.Equal((uint)i, entry.StartPoint);
            Assert.Equal([(uint)i], entry.Postings.ToArray());
        }

        Assert.Null(directory.Find(1));
        Assert.Equal(labels.Length, directory.Entries().Length);

        LabelDirectory.Entry one = directory.GetOrAdd(1, 3);
        for (uint id = 3; id < 1000; id += 3)
        {
            one.Append(id);
        }

        Assert.Equal(Enumerable.Range(1, 333).Select(i => (uint)(i * 3)), one.Postings.ToArray());
        Assert.True(directory.MemoryBytes() > labels.Length * 40L);
        directory.Clear();
        Assert.Equal(0, directory.Count);
        Assert.Null(directory.Find(labels[0]));
    }

    private static int[] RandomSet(Random random)
    {
        int length = random.Next(0, 24);
        SortedSet<int> set = [];
        for (int i = 0; i < length; i++)
        {
            set.Add(random.Next(-2, 41));
        }

        return [.. set];
    }
}

using System.Runtime.CompilerServices;

namespace AnnSql.Index.Vamana;

/// <summary>
/// Operations on label sets, each a sorted array of distinct <see cref="int"/>s (Filtered-DiskANN, Gollapudi et al.,
/// WWW 2023, §3: a point's label set F_p, a query's filter F_q). Points carry a handful of labels, so merge walks over the
/// two sorted arrays beat hashing; a single query label, the common case, is a short scan.
/// </summary>
public static class LabelSets
{
    /// <summary>The label set of every point that has none; shared, never written.</summary>
    public static readonly int[] Empty = [];

    /// <summary>Sets at most this long are scanned linearly by <see cref="Contains"/>; longer ones are binary searched.</summary>
    private const int LinearScanLength = 16;

    /// <summary>
    /// A sorted, de-duplicated copy of <paramref name="labels"/> (any order, duplicates allowed); <see cref="Empty"/> when
    /// empty.
    /// </summary>
    public static int[] Normalize(ReadOnlySpan<int> labels)
    {
        if (labels.IsEmpty)
        {
            return Empty;
        }

        int[] copy = labels.ToArray();
        if (!IsStrictlyAscending(copy))
        {
            Array.Sort(copy);
            int n = 1;
            for (int i = 1; i < copy.Length; i++)
            {
                if (copy[i] != copy[n - 1])
                {
                    copy[n++] = copy[i];
                }
            }

            if (n != copy.Length)
            {
                copy = copy.AsSpan(0, n).ToArray();
            }
        }

        return copy;
    }

    /// <summary>True when every element is greater than the one before it (sorted and distinct); true when empty.</summary>
    public static bool IsStrictlyAscending(ReadOnlySpan<int> labels)
    {
        for (int i = 1; i < labels.Length; i++)
        {
            if (labels[i] <= labels[i - 1])
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>True when sorted set <paramref name="labels"/> holds <paramref name="label"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Contains(ReadOnlySpan<int> labels, int label)
    {
        if (labels.Length > LinearScanLength)
        {
            return labels.BinarySearch(label) >= 0;
        }

        foreach (int candidate in labels)
        {
            if (candidate >= label)
            {
                return candidate == label;
            }
        }

        return false;
    }

    /// <summary>
    /// True when the sorted sets <paramref name="a"/> and <paramref name="b"/> share a label (F_a ∩ F_b ≠ ∅): the filter
    /// test of Filtered-DiskANN's searches. Put the query's filter in <paramref name="b"/>: one query label is a scan of a.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static bool Intersects(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        if (b.Length == 1)
        {
            return Contains(a, b[0]);
        }

        return IntersectsMerge(a, b);
    }

    /// <summary>True when sorted set <paramref name="subset"/> ⊆ sorted set <paramref name="superset"/>.</summary>
    public static bool IsSubset(ReadOnlySpan<int> subset, ReadOnlySpan<int> superset)
    {
        if (subset.Length > superset.Length)
        {
            return false;
        }

        int j = 0;
        foreach (int label in subset)
        {
            while (j < superset.Length && superset[j] < label)
            {
                j++;
            }

            if (j == superset.Length || superset[j] != label)
            {
                return false;
            }

            j++;
        }

        return true;
    }

    /// <summary>
    /// FilteredRobustPrune's label condition (Filtered-DiskANN Algorithm 3): true when every label that
    /// <paramref name="candidate"/> (p') shares with <paramref name="point"/> (p) is also a label of <paramref name="star"/>
    /// (p*), i.e. F_p' ∩ F_p ⊆ F_p*. A three-way merge walk over the sorted sets.
    /// </summary>
    public static bool SharedLabelsAreIn(ReadOnlySpan<int> candidate, ReadOnlySpan<int> point, ReadOnlySpan<int> star)
    {
        int i = 0;
        int j = 0;
        int k = 0;
        while (i < candidate.Length && j < point.Length)
        {
            int a = candidate[i];
            int b = point[j];
            if (a < b)
            {
                i++;
            }
            else if (a > b)
            {
                j++;
            }
            else
            {
                while (k < star.Length && star[k] < a)
                {
                    k++;
                }

                if (k == star.Length || star[k] != a)
                {
                    return false;
                }

                i++;
                j++;
                k++;
            }
        }

        return true;
    }

    private static bool IntersectsMerge(ReadOnlySpan<int> a, ReadOnlySpan<int> b)
    {
        int i = 0;
        int j = 0;
        while (i < a.Length && j < b.Length)
        {
            int x = a[i];
            int y = b[j];
            if (x == y)
            {
                return true;
            }

            if (x < y)
            {
                i++;
            }
            else
            {
                j++;
            }
        }

        return false;
    }
}

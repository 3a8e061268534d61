namespace AnnSql.Tests.Shared;

/// <summary>
/// Label sets for wide-selectivity filtered-search tests and benchmarks, built on real vectors whose digit is known: each
/// vector carries its digit (labels 0..9, about 10% each) plus <see cref="DrawsPerVector"/> draws from a Zipf distribution
/// (exponent <see cref="Exponent"/>) over <see cref="ZipfLabelCount"/> labels numbered 10..1009 (rank r is label 9 + r),
/// duplicates merged. With 3 draws the most frequent Zipf label is on about 35% of the vectors and the rarest on about
/// 0.04%, so label frequencies span below 0.1% to above 20%. <see cref="Generate"/> with the same seed always gives the
/// same labels (System.Random's seeded sequence).
/// </summary>
public static class ZipfLabels
{
    /// <summary>The seed the tests and benchmarks use.</summary>
    public const int DefaultSeed = 20230501;

    /// <summary>Number of Zipf-distributed labels.</summary>
    public const int ZipfLabelCount = 1000;

    /// <summary>Label of Zipf rank 1.</summary>
    public const int FirstZipfLabel = 10;

    /// <summary>Zipf draws per vector.</summary>
    public const int DrawsPerVector = 3;

    /// <summary>Zipf exponent s: P(rank r) ∝ 1 / r^s.</summary>
    public const double Exponent = 1.0;

    /// <summary>Frequency bands (fraction of the vectors carrying a label), lower bound inclusive.</summary>
    public static IReadOnlyList<(string Name, double Low, double High)> Bands { get; } =
    [
        ("<0.1%", 0, 0.001),
        ("0.1-1%", 0.001, 0.01),
        ("1-5%", 0.01, 0.05),
        ("5-20%", 0.05, 0.2),
        (">20%", 0.2, 1.01),
    ];

    /// <summary>Each vector's labels (ascending, distinct): its digit and its Zipf draws.</summary>
    public static int[][] Generate(IReadOnlyList<int> digits, int seed = DefaultSeed)
    {
        double[] cumulative = new double[ZipfLabelCount];
        double total = 0;
        for (int r = 1; r <= ZipfLabelCount; r++)
        {
            total += 1 / Math.Pow(r, Exponent);
            cumulative[r - 1] = total;
        }

        var random = new Random(seed);
        var labels = new int[digits.Count][];
        var set = new SortedSet<int>();
        for (int i = 0; i < digits.Count; i++)
        {
            set.Clear();
            set.Add(digits[i]);
            for (int d = 0; d < DrawsPerVector; d++)
            {
                int index = Array.BinarySearch(cumulative, random.NextDouble() * total);
                int rank = (index < 0 ? ~index : index) + 1;
                set.Add(FirstZipfLabel + Math.Min(rank, ZipfLabelCount) - 1);
            }

            labels[i] = [.. set];
        }

        return labels;
    }

    /// <summary>How many vectors carry each label.</summary>
    public static Dictionary<int, int> Frequencies(int[][] labels)
    {
        var counts = new Dictionary<int, int>();
        foreach (int[] set in labels)
        {
            foreach (int label in set)
            {
                counts[label] = counts.GetValueOrDefault(label) + 1;
            }
        }

        return counts;
    }

    /// <summary>
    /// For each band, up to <paramref name="perBand"/> (query index, label) pairs: the band's labels carried by at least one
    /// vector, cycled over the queries 0, 1, 2, ... so every band gets the same queries' vectors.
    /// </summary>
    public static List<(string Band, List<(int Query, int Label)> Queries)> QueriesPerBand(int[][] labels, int queryCount, int perBand)
    {
        var counts = Frequencies(labels);
        var result = new List<(string, List<(int, int)>)>();
        foreach (var (name, low, high) in Bands)
        {
            var inBand = counts.Where(kv => kv.Value >= low * labels.Length && kv.Value < high * labels.Length)
                .Select(kv => kv.Key).Order().ToList();
            var queries = new List<(int, int)>();
            for (int i = 0; i < perBand && inBand.Count > 0 && i < queryCount; i++)
            {
                queries.Add((i, inBand[i % inBand.Count]));
            }

            result.Add((name, queries));
        }

        return result;
    }
}

namespace AnnSql.IntegrationTests.Infrastructure;

/// <summary>
/// Brute-force references for pgvector's distance operators over the MNIST data, in double precision, and recall of a
/// returned id list against them with ties (equal distances within float rounding) counted as correct.
/// </summary>
public static class ExactNeighbours
{
    /// <summary>Each float operator with its double-precision reference (pgvector's definitions).</summary>
    public static IReadOnlyList<(string Operator, Func<float[], float[], double> Distance)> Operators { get; } =
    [
        ("<->", (a, b) => Math.Sqrt(Sum(a, b, (x, y) => (x - y) * (x - y)))),
        ("<#>", (a, b) => -Sum(a, b, (x, y) => x * y)),
        ("<=>", (a, b) => 1 - (Sum(a, b, (x, y) => x * y) / Math.Sqrt(Sum(a, a, (x, y) => x * y) * Sum(b, b, (x, y) => x * y)))),
        ("<+>", (a, b) => Sum(a, b, (x, y) => Math.Abs(x - y))),
    ];

    /// <summary>
    /// Recall@k of <paramref name="ids"/> for query <paramref name="q"/>: for <c>&lt;-&gt;</c> against the data set's exact
    /// ground truth, for the others against a brute-force top-k in double precision; ties within 1e-5 count as correct.
    /// </summary>
    public static double Recall(string op, IReadOnlyList<long> ids, MnistDataset data, int q, int k)
    {
        if (op == "<->")
        {
            return MnistDataset.RecallAtK(ids, q, k);
        }

        Func<float[], float[], double> distance = Operators.Single(o => o.Operator == op).Distance;
        var all = data.Base.Select((v, i) => (Distance: distance(data.Queries[q], v), Id: i))
            .OrderBy(x => x.Distance).ThenBy(x => x.Id).ToList();
        double kth = all[k - 1].Distance;
        var truth = all.Take(k).Select(x => (long)x.Id).ToHashSet();
        int correct = ids.Count(id =>
            truth.Contains(id) || Math.Abs(distance(data.Queries[q], data.Base[id]) - kth) <= 1e-5 * Math.Max(1, Math.Abs(kth)));
        return correct / (double)k;
    }

    /// <summary>
    /// Recall@k of <paramref name="ids"/> for query <paramref name="q"/> under L2, against the exact top-k recomputed over
    /// the base rows <paramref name="present"/> marks (row id = base index); ties at the k-th distance count as correct.
    /// </summary>
    public static double RecallAmong(MnistDataset data, int q, IReadOnlyList<long> ids, bool[] present, int k = 10)
    {
        var query = data.Queries[q];
        var nearest = new List<(float Distance, int Id)>();
        for (int i = 0; i < present.Length; i++)
        {
            if (present[i])
            {
                nearest.Add((MnistDataset.SquaredDistance(query, data.Base[i]), i));
            }
        }

        nearest.Sort();
        var top = nearest.Take(k).ToList();
        return MnistDataset.RecallAtK(ids, top.Select(t => t.Id).ToList(), top.Select(t => t.Distance).ToList(), k,
            id => id >= 0 && id < data.Base.Length ? MnistDataset.SquaredDistance(query, data.Base[id]) : float.PositiveInfinity);
    }

    private static double Sum(float[] a, float[] b, Func<double, double, double> f)
    {
        double s = 0;
        for (int i = 0; i < a.Length; i++)
        {
            s += f(a[i], b[i]);
        }

        return s;
    }
}

using AnnSql.Sql.Types;

namespace AnnSql.Sql.Execution.Plan;

internal sealed class CountState : IAggregateState
{
    private long _count;

    public void Add(object?[] arguments) => _count++;

    public object? Result() => _count;
}

/// <summary>sum/avg over numbers (exact for integers and numeric) or element-wise over vectors (pgvector's vector_accum).</summary>
internal sealed class SumState(SqlType result, bool average) : IAggregateState
{
    private decimal _decimal;
    private double _double;
    private double[]? _vector;
    private long _count;

    public void Add(object?[] arguments)
    {
        var v = arguments[0]!;
        _count++;
        switch (v)
        {
            case float[] f:
                _vector ??= new double[f.Length];
                if (_vector.Length != f.Length)
                {
                    throw Functions.VectorFunctions.DifferentDimensions(_vector.Length, f.Length);
                }

                for (int i = 0; i < f.Length; i++)
                {
                    _vector[i] += f[i];
                }

                break;
            case Half[] h:
                _vector ??= new double[h.Length];
                for (int i = 0; i < h.Length; i++)
                {
                    _vector[i] += (float)h[i];
                }

                break;
            case double or float:
                _double += SqlValues.ToDouble(v);
                break;
            default:
                if (result.Kind is SqlTypeKind.Float8 or SqlTypeKind.Float4)
                {
                    _double += SqlValues.ToDouble(v);
                }
                else
                {
                    _decimal += SqlValues.ToDecimal(v);
                }

                break;
        }
    }

    public object? Result()
    {
        if (_count == 0)
        {
            return null;
        }

        if (_vector is not null)
        {
            var r = new float[_vector.Length];
            for (int i = 0; i < r.Length; i++)
            {
                r[i] = (float)(average ? _vector[i] / _count : _vector[i]);
            }

            return result.Kind == SqlTypeKind.HalfVec ? Array.ConvertAll(r, x => (Half)x) : r;
        }

        return result.Kind switch
        {
            SqlTypeKind.Int8 => (long)_decimal,
            SqlTypeKind.Numeric => average ? Functions.Arithmetic.DivideNumeric(_decimal, _count) : _decimal,
            SqlTypeKind.Float4 => (float)(average ? _double / _count : _double),
            _ => average ? (_double + (double)_decimal) / _count : _double + (double)_decimal,
        };
    }
}

internal sealed class MinMaxState(bool max) : IAggregateState
{
    private object? _best;

    public void Add(object?[] arguments)
    {
        var v = arguments[0]!;
        if (_best is null || (SqlValues.Compare(v, _best) > 0) == max && SqlValues.Compare(v, _best) != 0)
        {
            _best = v;
        }
    }

    public object? Result() => _best;
}

internal sealed class BoolState(bool and) : IAggregateState
{
    private bool? _value;

    public void Add(object?[] arguments)
    {
        bool v = (bool)arguments[0]!;
        _value = _value is null ? v : and ? _value.Value && v : _value.Value || v;
    }

    public object? Result() => _value;
}

internal sealed class StringAggState(SqlType type) : IAggregateState
{
    private System.Text.StringBuilder? _sb;

    public void Add(object?[] arguments)
    {
        if (arguments[0] is null)
        {
            return;
        }

        if (_sb is null)
        {
            _sb = new System.Text.StringBuilder();
        }
        else if (arguments.Length > 1 && arguments[1] is string sep)
        {
            _sb.Append(sep);
        }

        _sb.Append(arguments[0] as string ?? TypeIO.FormatText(arguments[0]!, type));
    }

    public object? Result() => _sb?.ToString();
}

internal sealed class ArrayAggState : IAggregateState
{
    private List<object?>? _items;

    public void Add(object?[] arguments) => (_items ??= []).Add(arguments[0]);

    public object? Result() => _items?.ToArray();
}

/// <summary>An aggregate with ORDER BY inside its arguments: buffers the rows, sorts, then feeds the inner aggregate.</summary>
internal sealed class OrderedState(IAggregateState inner, int argumentCount, SortKey[] keys) : IAggregateState
{
    private readonly List<(object?[] Args, object?[] Keys)> _rows = [];

    public void Add(object?[] arguments) =>
        _rows.Add((arguments[..argumentCount], arguments[argumentCount..]));

    public object? Result()
    {
        var comparer = new SortNode.KeyComparer(keys);
        foreach (var (args, _) in _rows.OrderBy(r => r.Keys, comparer))
        {
            inner.Add(args);
        }

        return inner.Result();
    }
}

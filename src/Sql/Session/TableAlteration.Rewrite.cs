using System.Buffers;
using AnnSql.Sql.Ast;
using AnnSql.Sql.Binding;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Functions;
using AnnSql.Sql.Indexing;
using AnnSql.Sql.Parsing;
using AnnSql.Sql.Storage.Tables;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Session;

internal sealed partial class TableAlteration
{
    /// <summary>
    /// ALTER COLUMN c TYPE t [USING e]: without USING the old type must convert to the new one in an assignment, as in
    /// PostgreSQL (42804 otherwise, with its hint); the value of each row is computed when the rows are rewritten.
    /// </summary>
    private void ChangeType(int i, AlterColumnAction action, TypeName typeName)
    {
        var column = _columns[i];
        if (_original.FindColumn(column.Name) is null)
        {
            // PostgreSQL prepares type changes against the table as it was before the statement.
            throw new SqlException(SqlState.UndefinedColumn, $"column \"{column.Name}\" of relation \"{_name}\" does not exist");
        }

        if (!_retyped.Add(column.AttributeNumber))
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"cannot alter type of column \"{column.Name}\" twice");
        }

        var type = TypeNames.Resolve(typeName);
        var binder = new Binder(_session, _catalog, []);
        var scope = new Scope(null);
        scope.AddRange(_columns.Select(c => new ScopeColumn(_name, c.Name, c.Type, _original.Oid, c.AttributeNumber)));
        BoundExpr source;
        if (action.Using is { } usingExpr)
        {
            source = binder.BindExpr(usingExpr, scope, type);
            if (!SqlSession.AssignmentCastExists(source.Type, type))
            {
                throw new SqlException(SqlState.DatatypeMismatch,
                    $"result of USING clause for column \"{column.Name}\" cannot be cast automatically to type {type.DisplayName}",
                    hint: "You might need to add an explicit cast.");
            }
        }
        else
        {
            source = binder.BindExpr(SqlParser.ParseExpression(BuiltinFunctions.QuoteIdent(column.Name)), scope, null);
            if (!SqlSession.AssignmentCastExists(column.Type, type))
            {
                throw new SqlException(SqlState.DatatypeMismatch, $"column \"{column.Name}\" cannot be cast automatically to type {type.DisplayName}",
                    hint: $"You might need to specify \"USING {column.Name}::{type.DisplayName}\".");
            }
        }

        foreach (var index in _indexes)
        {
            if (index.Method == "diskann" && index.KeyColumns[0] == column.AttributeNumber && index.OperatorClasses.Count > 0
                && index.OperatorClasses[0] is { } opclass && DiskAnnIndexOptions.OperatorClass(opclass) is { } op && op.ElementType != type.Kind)
            {
                throw new SqlException(SqlState.DatatypeMismatch, $"operator class \"{opclass}\" does not accept data type {type.WithoutModifier().TypeName}");
            }

            if (index.Method == "diskann" && index.KeyColumns.Count > 1 && index.KeyColumns[1] == column.AttributeNumber
                && (type.Kind == SqlTypeKind.Array ? type.Element!.Kind : type.Kind) is not (SqlTypeKind.Int2 or SqlTypeKind.Int4))
            {
                throw new SqlException(SqlState.DatatypeMismatch,
                    $"label column \"{column.Name}\" of a diskann index must be smallint, integer, smallint[] or integer[], not {type.DisplayName}");
            }

            if (index.IsUnique && index.KeyColumns.Contains(column.AttributeNumber))
            {
                // The converted keys may collide: the index is built again and checked.
                _newUniqueIndexes.Add(index.Oid);
            }
        }

        var expr = WithoutPosition(() => binder.Coerce(source, type, action.Position, assignment: true));
        var before = _origins.ToArray();
        var eval = new EvalContext(_context, null);
        _origins[i] = Origin.Computed(original =>
        {
            var row = new object?[before.Length];
            for (int j = 0; j < row.Length; j++)
            {
                row[j] = before[j].Eval(original);
            }

            eval.Row = row;
            return expr.Eval(eval);
        });
        _columns[i] = column with { Type = type, Storage = null };
        _layoutChanged = true;
    }

    private void AddConstraint(TableConstraint constraint)
    {
        switch (constraint)
        {
            case PrimaryKeyTableConstraint pk:
                AddUniqueIndex(pk.Name, pk.Columns, primary: true);
                break;
            case UniqueTableConstraint u:
                AddUniqueIndex(u.Name, u.Columns, primary: false);
                break;

                // CHECK and FOREIGN KEY constraints are accepted and not enforced, as in CREATE TABLE.
        }
    }

    /// <summary>Whether a relation is named <paramref name="name"/> once the actions so far have run (this table's indexes as they now are).</summary>
    private bool RelationExists(string name) =>
        name == _name || _indexes.Exists(x => x.Name == name)
        || (_catalog.FindTable(name) is { } table && table.Oid != _original.Oid)
        || (_catalog.FindIndex(name) is { } index && index.Table.Oid != _original.Oid);

    /// <summary>Adds the unique index behind a PRIMARY KEY or UNIQUE constraint; the rows are checked by <see cref="Finish"/>.</summary>
    private void AddUniqueIndex(string? name, IReadOnlyList<string> columns, bool primary)
    {
        if (primary && _indexes.Any(x => x.IsPrimary))
        {
            throw new SqlException(SqlState.InvalidTableDefinition, $"multiple primary keys for table \"{_name}\" are not allowed");
        }

        var keys = new List<short>();
        foreach (var c in columns)
        {
            int i = Find(c);
            if (i < 0)
            {
                throw new SqlException(SqlState.UndefinedColumn, $"column \"{c}\" named in key does not exist");
            }

            keys.Add(_columns[i].AttributeNumber);
            if (primary && !_columns[i].NotNull)
            {
                _columns[i] = _columns[i] with { NotNull = true };
                _checkNotNull.Add(_columns[i].AttributeNumber);
            }
        }

        if (name is not null && RelationExists(name))
        {
            throw new SqlException(SqlState.DuplicateTable, $"relation \"{name}\" already exists");
        }

        if (name is null)
        {
            string baseName = primary ? $"{_name}_pkey" : $"{_name}_{string.Join("_", columns)}_key";
            name = baseName;
            for (int n = 1; RelationExists(name); n++)
            {
                name = baseName + n.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }
        }

        uint oid = _catalog.NextOid;
        _catalog = _catalog with { NextOid = oid + 2 };
        _indexes.Add(new IndexInfo(oid, name, _original.Oid, "btree", keys) { IsUnique = true, IsPrimary = primary, IsConstraint = true });
        _newUniqueIndexes.Add(oid);
    }

    /// <summary>
    /// Ends the statement: computes and checks the rewritten rows (the committed ones and the own transaction's pending
    /// ones) when a column was added, dropped, retyped or newly constrained, and returns the catalog change.
    /// <paramref name="rewritePending"/> is set when the layout changed: it rewrites the own transaction's pending rows.
    /// </summary>
    /// <exception cref="SqlException">23502 when a NOT NULL column would hold NULLs; 23505 when a new unique key has duplicates; errors of the per-row expressions.</exception>
    public CatalogChange Finish(out Func<object?[], object?[]>? rewritePending)
    {
        rewritePending = null;
        var info = _original with
        {
            Name = _name,
            Columns = [.. _columns],
            Indexes = [.. _indexes],
            Layout = _layoutChanged ? _original.Layout + 1 : _original.Layout,
            LastAttributeNumber = _lastAttributeNumber,
        };
        var state = _catalog with { Tables = _catalog.Tables.SetItem(info.Oid, info) };
        if (!_layoutChanged && _checkNotNull.Count == 0 && _newUniqueIndexes.Count == 0)
        {
            return CatalogChange.Of(state);
        }

        // The own transaction's pending rows count as rows of the table; rows written before another session's ALTER TABLE
        // are of an older layout and make the commit fail anyway.
        var pending = _session.Transaction?.Find(info.Oid);
        if (pending is not null && pending.Layout != _original.Layout)
        {
            pending = null;
        }

        var rowIds = new List<long>();
        var rows = new List<object?[]>();
        foreach (var row in _runtime.Data.Slots)
        {
            if (row is not null && row.DeletedSeq == 0 && (pending is null || !pending.Deleted.Contains(row.RowId)))
            {
                rowIds.Add(row.RowId);
                rows.Add(Transform(row.Values));
            }
        }

        var pendingRows = new Dictionary<object?[], object?[]>(ReferenceEqualityComparer.Instance);
        if (pending is not null)
        {
            foreach (var values in pending.Inserted)
            {
                if (values is not null)
                {
                    pendingRows[values] = Transform(values);
                }
            }
        }

        Check(info, [.. rows, .. pendingRows.Values]);
        if (!_layoutChanged)
        {
            return CatalogChange.Of(state);
        }

        // Deleted rows of the own transaction keep their rewritten values too: a ROLLBACK brings them back.
        if (pending is not null)
        {
            foreach (long rowId in pending.Deleted)
            {
                if (_runtime.Data.Get(rowId) is { DeletedSeq: 0 } deleted)
                {
                    rowIds.Add(rowId);
                    rows.Add(Transform(deleted.Values));
                }
            }
        }

        var sources = new ColumnSource[info.Columns.Count];
        for (int i = 0; i < sources.Length; i++)
        {
            var origin = _origins[i];
            var type = info.Columns[i].Type;
            if (origin.OldOrdinal >= 0)
            {
                sources[i] = new ColumnSource { OldOrdinal = origin.OldOrdinal };
            }
            else if (!origin.IsComputed)
            {
                sources[i] = new ColumnSource { Constant = origin.Value is null ? null : Encode(origin.Value, type) };
            }
            else
            {
                var values = new Dictionary<long, byte[]?>(rows.Count);
                for (int r = 0; r < rows.Count; r++)
                {
                    values[rowIds[r]] = rows[r][i] is { } v ? Encode(v, type) : null;
                }

                sources[i] = new ColumnSource { Values = values };
            }
        }

        rewritePending = values => pendingRows.TryGetValue(values, out var rewritten) ? rewritten : Transform(values);
        return new CatalogChange(state, []) { Rewrites = [new TableRewrite(info.Oid, sources)] };
    }

    private object?[] Transform(object?[] original)
    {
        var values = new object?[_origins.Count];
        for (int i = 0; i < values.Length; i++)
        {
            values[i] = _origins[i].Eval(original);
        }

        return values;
    }

    private static byte[] Encode(object value, SqlType type)
    {
        var buffer = new ArrayBufferWriter<byte>(16);
        TypeIO.SendBinary(value, type, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The checks PostgreSQL makes while it rewrites or scans the table: NOT NULL columns, then new unique indexes.</summary>
    private void Check(TableInfo info, List<object?[]> rows)
    {
        foreach (short attnum in _checkNotNull)
        {
            int o = info.OrdinalOf(attnum);
            if (o >= 0 && rows.Exists(r => r[o] is null))
            {
                var column = info.Columns[o];
                throw new SqlException(SqlState.NotNullViolation, $"column \"{column.Name}\" of relation \"{info.Name}\" contains null values")
                {
                    SchemaName = info.Schema,
                    TableName = info.Name,
                    ColumnName = column.Name,
                };
            }
        }

        foreach (var index in info.Indexes)
        {
            if (!_newUniqueIndexes.Contains(index.Oid))
            {
                continue;
            }

            var unique = new UniqueIndex(index, [.. index.KeyColumns.Select(info.OrdinalOf)]);
            var seen = new HashSet<RowKey>();
            foreach (var row in rows)
            {
                var key = unique.KeyOf(row);
                if (!key.HasNull && !seen.Add(key))
                {
                    var names = string.Join(", ", unique.KeyOrdinals.Select(o => info.Columns[o].Name));
                    var values = string.Join(", ", key.Values.Select((v, k) => TypeIO.FormatText(v, info.Columns[unique.KeyOrdinals[k]].Type)));
                    throw new SqlException(SqlState.UniqueViolation, $"could not create unique index \"{index.Name}\"",
                        detail: $"Key ({names})=({values}) is duplicated.")
                    {
                        SchemaName = info.Schema,
                        TableName = info.Name,
                        ConstraintName = index.Name,
                    };
                }
            }
        }
    }

    /// <summary>Where a column of the altered table gets its value from, given a row of the table as it was.</summary>
    private sealed class Origin
    {
        private Func<object?[], object?>? _compute;
        private object?[]? _lastRow;
        private object? _lastValue;

        public int OldOrdinal { get; private init; } = -1;

        public object? Value { get; private init; }

        public bool IsComputed => _compute is not null;

        public static Origin Old(int ordinal) => new() { OldOrdinal = ordinal };

        public static Origin Constant(object? value) => new() { Value = value };

        /// <summary>A value computed per row, once per row even when later actions of the statement read it again.</summary>
        public static Origin Computed(Func<object?[], object?> compute) => new() { _compute = compute };

        public object? Eval(object?[] original)
        {
            if (OldOrdinal >= 0)
            {
                return original[OldOrdinal];
            }

            if (_compute is null)
            {
                return Value;
            }

            if (!ReferenceEquals(original, _lastRow))
            {
                _lastValue = _compute(original);
                _lastRow = original;
            }

            return _lastValue;
        }
    }
}

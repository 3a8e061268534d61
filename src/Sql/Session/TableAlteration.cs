using System.Buffers;
using AnnSql.Sql.Ast;
using AnnSql.Sql.Binding;
using AnnSql.Sql.Catalog;
using AnnSql.Sql.Errors;
using AnnSql.Sql.Execution;
using AnnSql.Sql.Execution.Expressions;
using AnnSql.Sql.Parsing;
using AnnSql.Sql.Storage.Tables;
using AnnSql.Sql.Types;

namespace AnnSql.Sql.Session;

/// <summary>
/// The working state of one ALTER TABLE statement: the table's definition as the actions so far left it, and for each of
/// its columns how the value is computed from a row of the table as it was before the statement (its old value, a
/// constant, or an expression evaluated per row). <see cref="Finish"/> computes the rewritten rows, checks them (NOT NULL,
/// new unique keys) and returns the catalog change with the <see cref="TableRewrite"/> that reproduces them at recovery.
/// Runs under the database's commit lock, so the rows do not change meanwhile.
/// </summary>
internal sealed partial class TableAlteration
{
    private readonly SqlSession _session;
    private readonly AlterTableStatement _statement;
    private readonly TableInfo _original;
    private readonly TableRuntime _runtime;
    private readonly QueryContext _context;
    private readonly List<string> _notices;
    private readonly List<ColumnInfo> _columns;
    private readonly List<Origin> _origins;
    private readonly List<IndexInfo> _indexes;
    private readonly HashSet<uint> _newUniqueIndexes = [];
    private readonly HashSet<short> _checkNotNull = [];
    private readonly HashSet<short> _retyped = [];
    private CatalogState _catalog;
    private string _name;
    private short _lastAttributeNumber;
    private bool _layoutChanged;

    /// <summary>Starts from <paramref name="table"/> as <paramref name="catalog"/> has it and its current rows.</summary>
    public TableAlteration(SqlSession session, AlterTableStatement statement, CatalogState catalog, TableInfo table, TableRuntime runtime,
        QueryContext context, List<string> notices)
    {
        _session = session;
        _statement = statement;
        _catalog = catalog;
        _original = table;
        _runtime = runtime;
        _context = context;
        _notices = notices;
        _name = table.Name;
        _columns = [.. table.Columns];
        _origins = [.. table.Columns.Select((_, i) => Origin.Old(i))];
        _indexes = [.. table.Indexes];
        _lastAttributeNumber = (short)(table.NextAttributeNumber() - 1);
    }

    /// <summary>
    /// The pass of PostgreSQL's ALTER TABLE (tablecmds.c, AT_PASS_*) that runs <paramref name="action"/>: all drops first,
    /// then type changes, added columns, NOT NULL, index-based constraints, defaults and other constraints, the rest last;
    /// actions of one pass run in the order written. So <c>DROP x, ADD x int</c> works and <c>ADD y int, DROP y</c> does not.
    /// </summary>
    public static int Pass(AlterTableAction action) => action switch
    {
        DropColumnAction or DropConstraintAction => 0,
        AlterColumnAction { DropIdentity: true } => 0,
        AlterColumnAction { SetNotNull: false } or AlterColumnAction { DropDefault: true } => 0,
        AlterColumnAction { SetType: not null } => 1,
        AddColumnAction => 4,
        AlterColumnAction { SetNotNull: true } or AlterColumnAction { AddIdentity: not null } => 6,
        AddConstraintAction { Constraint: PrimaryKeyTableConstraint or UniqueTableConstraint } => 7,
        AlterColumnAction { SetDefault: not null } or AddConstraintAction => 9,
        _ => 10,
    };

    /// <summary>Applies one action to the working definition.</summary>
    /// <exception cref="SqlException">The action is invalid for the table as the earlier actions left it.</exception>
    public void Apply(AlterTableAction action)
    {
        switch (action)
        {
            case AddColumnAction add:
                AddColumn(add);
                break;
            case DropColumnAction drop:
                DropColumn(drop);
                break;
            case RenameTableAction rename:
                if (_catalog.RelationExists(rename.NewName))
                {
                    throw new SqlException(SqlState.DuplicateTable, $"relation \"{rename.NewName}\" already exists");
                }

                _name = rename.NewName;
                break;
            case RenameColumnAction rename:
                RenameColumn(rename);
                break;
            case AlterColumnAction column:
                AlterColumn(column);
                break;
            case AddConstraintAction constraint:
                AddConstraint(constraint.Constraint);
                break;
            case DropConstraintAction drop:
                DropConstraint(drop);
                break;
            default:
                throw new SqlException(SqlState.FeatureNotSupported, $"ALTER TABLE action {action.GetType().Name} is not supported");
        }
    }

    /// <summary>
    /// Runs <paramref name="bind"/>, dropping the position of an error it raises: PostgreSQL checks defaults and USING
    /// expressions of ALTER TABLE after parse analysis and reports no position for them.
    /// </summary>
    private static T WithoutPosition<T>(Func<T> bind)
    {
        try
        {
            return bind();
        }
        catch (SqlException e) when (e.Position >= 0)
        {
            throw new SqlException(e.SqlState, e.Message, -1, e.Detail, e.Hint);
        }
    }

    private int Find(string column) => _columns.FindIndex(c => c.Name == column);

    private int Require(string column)
    {
        int i = Find(column);
        return i >= 0 ? i : throw new SqlException(SqlState.UndefinedColumn, $"column \"{column}\" of relation \"{_name}\" does not exist");
    }

    private void AddColumn(AddColumnAction add)
    {
        var def = add.Column;
        if (Find(def.Name) >= 0)
        {
            if (add.IfNotExists)
            {
                _notices.Add($"column \"{def.Name}\" of relation \"{_name}\" already exists, skipping");
                return;
            }

            throw new SqlException(SqlState.DuplicateColumn, $"column \"{def.Name}\" of relation \"{_name}\" already exists");
        }

        var type = TypeNames.Resolve(def.Type);
        bool serial = TypeNames.IsSerial(def.Type);
        short attnum = ++_lastAttributeNumber;
        var column = new ColumnInfo(def.Name, type, attnum)
        {
            NotNull = serial,
            SequenceName = serial ? $"{_name}_{def.Name}_seq" : null,
            DefaultSql = serial ? $"nextval('{_name}_{def.Name}_seq'::regclass)" : null,
        };
        bool primary = false;
        var uniques = new List<string?>();
        foreach (var constraint in def.Constraints)
        {
            switch (constraint)
            {
                case NotNullConstraint:
                    column = column with { NotNull = true };
                    break;
                case PrimaryKeyColumnConstraint pk:
                    column = column with { NotNull = true };
                    primary = true;
                    uniques.Add(pk.Name);
                    break;
                case UniqueColumnConstraint u:
                    uniques.Add(u.Name);
                    break;
                case DefaultConstraint d:
                    column = column with { DefaultSql = SqlSession.ColumnDefaultText(d.Value, type) };
                    break;
                case IdentityConstraint id:
                    column = column with { Identity = id.Always ? 'a' : 'd', NotNull = true };
                    break;
            }
        }

        _columns.Add(column);
        _origins.Add(DefaultOrigin(column));
        _layoutChanged = true;
        if (column.NotNull)
        {
            _checkNotNull.Add(attnum);
        }

        for (int i = 0; i < uniques.Count; i++)
        {
            AddUniqueIndex(uniques[i], [def.Name], primary && i == 0);
        }
    }

    /// <summary>How an added column gets its value in the existing rows: its default (evaluated once when constant), the next identity value, or NULL.</summary>
    private Origin DefaultOrigin(ColumnInfo column)
    {
        var type = column.Type;
        if (column.Identity != '\0' || column.SequenceName is not null)
        {
            var data = _runtime.Data;
            return Origin.Computed(_ => Casts.Convert(data.NextIdentity(), SqlType.Int8, type));
        }

        if (column.DefaultSql is null)
        {
            return Origin.Constant(null);
        }

        var binder = new Binder(_session, _catalog, []);
        var expr = WithoutPosition(() => binder.Coerce(binder.BindExpr(SqlParser.ParseExpression(column.DefaultSql), new Scope(null), type), type, -1, assignment: true));
        if (expr.IsConstant)
        {
            return Origin.Constant(expr.Eval(new EvalContext(_context, null)));
        }

        var eval = new EvalContext(_context, null);
        return Origin.Computed(_ => expr.Eval(eval));
    }

    private void DropColumn(DropColumnAction drop)
    {
        int i = Find(drop.Column);
        if (i < 0)
        {
            if (drop.IfExists)
            {
                _notices.Add($"column \"{drop.Column}\" of relation \"{_name}\" does not exist, skipping");
                return;
            }

            throw new SqlException(SqlState.UndefinedColumn, $"column \"{drop.Column}\" of relation \"{_name}\" does not exist");
        }

        short attnum = _columns[i].AttributeNumber;
        _columns.RemoveAt(i);
        _origins.RemoveAt(i);
        _checkNotNull.Remove(attnum);

        // PostgreSQL drops the indexes (and the constraints they back) that use the column.
        _indexes.RemoveAll(x => x.KeyColumns.Contains(attnum));
        _layoutChanged = true;
    }

    /// <summary>DROP CONSTRAINT: a primary key or unique constraint goes with the index behind it.</summary>
    private void DropConstraint(DropConstraintAction drop)
    {
        if (_indexes.FindIndex(x => x.IsConstraint && x.Name == drop.Name) is int i and >= 0)
        {
            _indexes.RemoveAt(i);
            return;
        }

        if (!drop.IfExists)
        {
            throw new SqlException(SqlState.UndefinedObject, $"constraint \"{drop.Name}\" of relation \"{_name}\" does not exist");
        }

        _notices.Add($"constraint \"{drop.Name}\" of relation \"{_name}\" does not exist, skipping");
    }

    private void RenameColumn(RenameColumnAction rename)
    {
        int i = Find(rename.Column);
        if (i < 0)
        {
            throw new SqlException(SqlState.UndefinedColumn, $"column \"{rename.Column}\" does not exist");
        }

        if (Find(rename.NewName) >= 0)
        {
            throw new SqlException(SqlState.DuplicateColumn, $"column \"{rename.NewName}\" of relation \"{_name}\" already exists");
        }

        _columns[i] = _columns[i] with { Name = rename.NewName };
    }

    private void AlterColumn(AlterColumnAction action)
    {
        int i = Require(action.Column);
        var column = _columns[i];
        if (action.SetNotNull is true)
        {
            _columns[i] = column with { NotNull = true };
            _checkNotNull.Add(column.AttributeNumber);
        }
        else if (action.SetNotNull is false)
        {
            if (_indexes.Any(x => x.IsPrimary && x.KeyColumns.Contains(column.AttributeNumber)))
            {
                throw new SqlException(SqlState.InvalidTableDefinition, $"column \"{column.Name}\" is in a primary key");
            }

            if (column.Identity != '\0')
            {
                throw new SqlException(SqlState.SyntaxError, $"column \"{column.Name}\" of relation \"{_name}\" is an identity column");
            }

            _columns[i] = column with { NotNull = false };
            _checkNotNull.Remove(column.AttributeNumber);
        }
        else if (action.SetDefault is not null || action.DropDefault)
        {
            if (column.Identity != '\0')
            {
                throw new SqlException(SqlState.SyntaxError, $"column \"{column.Name}\" of relation \"{_name}\" is an identity column",
                    hint: action.DropDefault ? "Use ALTER TABLE ... ALTER COLUMN ... DROP IDENTITY instead." : null);
            }

            string? text = null;
            if (action.SetDefault is { } value)
            {
                // The expression must be assignable to the column, as PostgreSQL checks when the default is stored.
                var binder = new Binder(_session, _catalog, []);
                WithoutPosition(() => binder.Coerce(binder.BindExpr(value, new Scope(null), column.Type), column.Type, value.Position, assignment: true));
                text = SqlSession.ColumnDefaultText(value, column.Type);
            }

            _columns[i] = column with { DefaultSql = text, SequenceName = null };
        }
        else if (action.SetStorage is { } storage)
        {
            SetStorage(column, storage);
            _columns[i] = column with { Storage = storage == "extended" ? "x" : storage[..1] };
        }
        else if (action.SetStatistics is { } target)
        {
            // Accepted without effect (AnnSql keeps no column statistics), checked as PostgreSQL checks it.
            if (target < -1)
            {
                throw new SqlException(SqlState.InvalidParameterValue, $"statistics target {target} is too low");
            }
        }
        else if (action.AddIdentity is { } identity)
        {
            // The sequence options are not kept: the table's one identity counter numbers the column.
            string problem = column.Identity != '\0' ? "is already an identity column"
                : !column.NotNull ? "must be declared NOT NULL before identity can be added"
                : column.DefaultSql is not null ? "already has a default value"
                : "";
            if (problem.Length > 0)
            {
                throw new SqlException(SqlState.ObjectNotInPrerequisiteState, $"column \"{column.Name}\" of relation \"{_name}\" {problem}");
            }

            _columns[i] = column with { Identity = identity.Always ? 'a' : 'd' };
        }
        else if (action.DropIdentity)
        {
            if (column.Identity == '\0')
            {
                if (!action.IfExists)
                {
                    throw new SqlException(SqlState.ObjectNotInPrerequisiteState, $"column \"{column.Name}\" of relation \"{_name}\" is not an identity column");
                }

                _notices.Add($"column \"{column.Name}\" of relation \"{_name}\" is not an identity column, skipping");
            }

            _columns[i] = column with { Identity = '\0' };
        }
        else if (action.SetType is { } typeName)
        {
            ChangeType(i, action, typeName);
        }
    }

    /// <summary>SET STORAGE: checked as PostgreSQL checks it; AnnSql has no TOAST, so it changes nothing.</summary>
    private static void SetStorage(ColumnInfo column, string storage)
    {
        if (storage is not ("plain" or "external" or "extended" or "main"))
        {
            throw new SqlException(SqlState.InvalidParameterValue, $"invalid storage type \"{storage}\"");
        }

        bool fixedLength = column.Type.Kind is SqlTypeKind.Bool or SqlTypeKind.Int2 or SqlTypeKind.Int4 or SqlTypeKind.Int8 or SqlTypeKind.Float4
            or SqlTypeKind.Float8 or SqlTypeKind.Uuid or SqlTypeKind.Date or SqlTypeKind.Timestamp or SqlTypeKind.TimestampTz or SqlTypeKind.Oid;
        if (fixedLength && storage != "plain")
        {
            throw new SqlException(SqlState.FeatureNotSupported, $"column data type {column.Type.DisplayName} can only have storage PLAIN");
        }
    }
}

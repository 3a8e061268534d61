namespace AnnSql.Wire.Errors;

/// <summary>
/// SQLSTATE codes, named as Npgsql's PostgresErrorCodes and grouped by class as in
/// PostgreSQL's errcodes-appendix.html. Clients match on these strings, so they must be exact.
/// </summary>
public static class SqlState
{
    // Class 00 - Successful Completion
    /// <summary>00000</summary>
    public const string SuccessfulCompletion = "00000";

    // Class 01 - Warning
    /// <summary>01000</summary>
    public const string Warning = "01000";

    // Class 08 - Connection Exception
    /// <summary>08000</summary>
    public const string ConnectionException = "08000";
    /// <summary>08003</summary>
    public const string ConnectionDoesNotExist = "08003";
    /// <summary>08006</summary>
    public const string ConnectionFailure = "08006";
    /// <summary>08P01</summary>
    public const string ProtocolViolation = "08P01";

    // Class 0A - Feature Not Supported
    /// <summary>0A000</summary>
    public const string FeatureNotSupported = "0A000";

    // Class 21 - Cardinality Violation
    /// <summary>21000</summary>
    public const string CardinalityViolation = "21000";

    // Class 22 - Data Exception
    /// <summary>22000</summary>
    public const string DataException = "22000";
    /// <summary>22001</summary>
    public const string StringDataRightTruncation = "22001";
    /// <summary>22003</summary>
    public const string NumericValueOutOfRange = "22003";
    /// <summary>22004</summary>
    public const string NullValueNotAllowed = "22004";
    /// <summary>22007</summary>
    public const string InvalidDatetimeFormat = "22007";
    /// <summary>22008</summary>
    public const string DatetimeFieldOverflow = "22008";
    /// <summary>22012</summary>
    public const string DivisionByZero = "22012";
    /// <summary>22021</summary>
    public const string CharacterNotInRepertoire = "22021";
    /// <summary>22023</summary>
    public const string InvalidParameterValue = "22023";
    /// <summary>22025</summary>
    public const string InvalidEscapeSequence = "22025";
    /// <summary>2202E</summary>
    public const string ArraySubscriptError = "2202E";
    /// <summary>22P02</summary>
    public const string InvalidTextRepresentation = "22P02";
    /// <summary>22P03</summary>
    public const string InvalidBinaryRepresentation = "22P03";

    // Class 23 - Integrity Constraint Violation
    /// <summary>23000</summary>
    public const string IntegrityConstraintViolation = "23000";
    /// <summary>23502</summary>
    public const string NotNullViolation = "23502";
    /// <summary>23503</summary>
    public const string ForeignKeyViolation = "23503";
    /// <summary>23505</summary>
    public const string UniqueViolation = "23505";
    /// <summary>23514</summary>
    public const string CheckViolation = "23514";

    // Class 24 - Invalid Cursor State
    /// <summary>24000</summary>
    public const string InvalidCursorState = "24000";

    // Class 25 - Invalid Transaction State
    /// <summary>25000</summary>
    public const string InvalidTransactionState = "25000";
    /// <summary>25001</summary>
    public const string ActiveSqlTransaction = "25001";
    /// <summary>25006</summary>
    public const string ReadOnlySqlTransaction = "25006";
    /// <summary>25P01</summary>
    public const string NoActiveSqlTransaction = "25P01";
    /// <summary>25P02</summary>
    public const string InFailedSqlTransaction = "25P02";

    // Class 26 - Invalid SQL Statement Name
    /// <summary>26000</summary>
    public const string InvalidSqlStatementName = "26000";

    // Class 28 - Invalid Authorization Specification
    /// <summary>28000</summary>
    public const string InvalidAuthorizationSpecification = "28000";
    /// <summary>28P01</summary>
    public const string InvalidPassword = "28P01";

    // Class 2D - Invalid Transaction Termination
    /// <summary>2D000</summary>
    public const string InvalidTransactionTermination = "2D000";

    // Class 34 - Invalid Cursor Name
    /// <summary>34000</summary>
    public const string InvalidCursorName = "34000";

    // Class 3B - Savepoint Exception
    /// <summary>3B000</summary>
    public const string SavepointException = "3B000";
    /// <summary>3B001</summary>
    public const string InvalidSavepointSpecification = "3B001";

    // Class 3D - Invalid Catalog Name
    /// <summary>3D000</summary>
    public const string InvalidCatalogName = "3D000";

    // Class 3F - Invalid Schema Name
    /// <summary>3F000</summary>
    public const string InvalidSchemaName = "3F000";

    // Class 40 - Transaction Rollback
    /// <summary>40001</summary>
    public const string SerializationFailure = "40001";
    /// <summary>40P01</summary>
    public const string DeadlockDetected = "40P01";

    // Class 42 - Syntax Error or Access Rule Violation
    /// <summary>42000</summary>
    public const string SyntaxErrorOrAccessRuleViolation = "42000";
    /// <summary>42501</summary>
    public const string InsufficientPrivilege = "42501";
    /// <summary>42601</summary>
    public const string SyntaxError = "42601";
    /// <summary>42602</summary>
    public const string InvalidName = "42602";
    /// <summary>42622</summary>
    public const string NameTooLong = "42622";
    /// <summary>42701</summary>
    public const string DuplicateColumn = "42701";
    /// <summary>42702</summary>
    public const string AmbiguousColumn = "42702";
    /// <summary>42703</summary>
    public const string UndefinedColumn = "42703";
    /// <summary>42704</summary>
    public const string UndefinedObject = "42704";
    /// <summary>42710</summary>
    public const string DuplicateObject = "42710";
    /// <summary>42725</summary>
    public const string AmbiguousFunction = "42725";
    /// <summary>42803</summary>
    public const string GroupingError = "42803";
    /// <summary>42804</summary>
    public const string DatatypeMismatch = "42804";
    /// <summary>42809</summary>
    public const string WrongObjectType = "42809";
    /// <summary>42883</summary>
    public const string UndefinedFunction = "42883";
    /// <summary>42P01</summary>
    public const string UndefinedTable = "42P01";
    /// <summary>42P02</summary>
    public const string UndefinedParameter = "42P02";
    /// <summary>42P03</summary>
    public const string DuplicateCursor = "42P03";
    /// <summary>42P04</summary>
    public const string DuplicateDatabase = "42P04";
    /// <summary>42P05</summary>
    public const string DuplicatePreparedStatement = "42P05";
    /// <summary>42P06</summary>
    public const string DuplicateSchema = "42P06";
    /// <summary>42P07</summary>
    public const string DuplicateTable = "42P07";
    /// <summary>42P10</summary>
    public const string InvalidColumnReference = "42P10";
    /// <summary>42P16</summary>
    public const string InvalidTableDefinition = "42P16";
    /// <summary>42P17</summary>
    public const string InvalidObjectDefinition = "42P17";
    /// <summary>42P18</summary>
    public const string IndeterminateDatatype = "42P18";

    // Class 53 - Insufficient Resources
    /// <summary>53000</summary>
    public const string InsufficientResources = "53000";
    /// <summary>53100</summary>
    public const string DiskFull = "53100";
    /// <summary>53200</summary>
    public const string OutOfMemory = "53200";
    /// <summary>53300</summary>
    public const string TooManyConnections = "53300";

    // Class 54 - Program Limit Exceeded
    /// <summary>54000</summary>
    public const string ProgramLimitExceeded = "54000";
    /// <summary>54011</summary>
    public const string TooManyColumns = "54011";

    // Class 55 - Object Not In Prerequisite State
    /// <summary>55000</summary>
    public const string ObjectNotInPrerequisiteState = "55000";
    /// <summary>55006</summary>
    public const string ObjectInUse = "55006";
    /// <summary>55P02</summary>
    public const string CantChangeRuntimeParam = "55P02";
    /// <summary>55P03</summary>
    public const string LockNotAvailable = "55P03";

    // Class 57 - Operator Intervention
    /// <summary>57000</summary>
    public const string OperatorIntervention = "57000";
    /// <summary>57014</summary>
    public const string QueryCanceled = "57014";
    /// <summary>57P01</summary>
    public const string AdminShutdown = "57P01";
    /// <summary>57P02</summary>
    public const string CrashShutdown = "57P02";
    /// <summary>57P03</summary>
    public const string CannotConnectNow = "57P03";

    // Class 58 - System Error
    /// <summary>58000</summary>
    public const string SystemError = "58000";
    /// <summary>58030</summary>
    public const string IoError = "58030";
    /// <summary>58P01</summary>
    public const string UndefinedFile = "58P01";

    // Class F0 - Configuration File Error
    /// <summary>F0000</summary>
    public const string ConfigFileError = "F0000";

    // Class XX - Internal Error
    /// <summary>XX000</summary>
    public const string InternalError = "XX000";
    /// <summary>XX001</summary>
    public const string DataCorrupted = "XX001";
    /// <summary>XX002</summary>
    public const string IndexCorrupted = "XX002";
}

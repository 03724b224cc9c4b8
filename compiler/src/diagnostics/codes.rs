//! The registry of diagnostic codes. Each code has one Markdown page in
//! `docs/diagnostics/<CODE>.md` (printed by `mspc explain`) and at least one
//! fixture under `tests/fixtures/`; tests enforce both.

use super::Severity;

macro_rules! codes {
    ($( $variant:ident = $code:literal, $name:literal, $sev:ident, $summary:literal; )*) => {
        /// A stable diagnostic code.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum Code { $( $variant, )* }

        impl Code {
            pub const ALL: &'static [Code] = &[ $( Code::$variant, )* ];

            /// `E0201`
            pub fn as_str(self) -> &'static str {
                match self { $( Code::$variant => $code, )* }
            }
            /// `unknown-field`
            pub fn name(self) -> &'static str {
                match self { $( Code::$variant => $name, )* }
            }
            pub fn default_severity(self) -> Severity {
                match self { $( Code::$variant => Severity::$sev, )* }
            }
            /// One line, for indexes and SARIF rule descriptions.
            pub fn summary(self) -> &'static str {
                match self { $( Code::$variant => $summary, )* }
            }
        }
    };
}

codes! {
    // E00xx: syntax
    Syntax = "E0001", "syntax-error", Error, "The text does not match the grammar.";
    UnclosedBrace = "E0002", "unclosed-brace", Error, "A `{` has no matching `}`.";
    InvalidLiteral = "E0003", "invalid-literal", Error, "A number, duration or size literal is malformed or has an unknown unit.";
    InvalidEscape = "E0004", "invalid-escape", Error, "A string contains an escape sequence that does not exist.";
    MissingLabel = "E0005", "missing-label", Error, "A declaration lacks its name, or has one it must not have.";
    TooDeep = "E0006", "nesting-too-deep", Error, "Brackets, or values through `let`s, are nested deeper than the compiler accepts.";
    InterpolationNotAllowed = "E0007", "interpolation-not-allowed", Error, "`${…}` is used where only a plain string is allowed.";
    UnreadableFile = "E0008", "unreadable-file", Error, "A workspace file could not be read, or is not valid UTF-8.";
    FileTooLarge = "E0009", "file-too-large", Error, "A file is larger than the compiler reads.";
    WorkspaceTooLarge = "E0010", "workspace-too-large", Error, "A workspace has more files, or more bytes, than the compiler loads.";
    StringTooLong = "E0011", "string-too-long", Error, "A string literal is longer than the compiler accepts.";
    ValueTooLarge = "E0012", "value-too-large", Error, "A value grows past the compiler's bound once its `let`s and `defaults` are expanded.";
    OutsideWorkspace = "E0013", "outside-workspace", Error, "A workspace file links to a file outside the workspace root, which is not read.";

    // E01xx: names, imports, references
    UnknownName = "E0101", "unknown-name", Error, "A name is not defined in this scope.";
    UnknownEnvironment = "E0102", "unknown-environment", Error, "A reference names an environment the service does not have.";
    ImportNotFound = "E0103", "import-not-found", Error, "An imported file does not exist in the workspace.";
    ImportOutsideRoot = "E0104", "import-outside-root", Error, "An import points outside the workspace root.";
    ImportCycle = "E0105", "import-cycle", Error, "Files import each other in a cycle.";
    DuplicateDefinition = "E0106", "duplicate-definition", Error, "A name is defined twice in one file.";
    ContextUnavailable = "E0107", "context-unavailable", Error, "An interpolated value does not exist where it is used.";
    UnknownContextField = "E0108", "unknown-context-field", Error, "`service.` or `environment.` is followed by a name that does not exist.";
    RecursiveLet = "E0109", "recursive-let", Error, "A `let` binding refers to itself.";
    UnknownImportMember = "E0110", "unknown-import-member", Error, "An imported file does not define the name used.";
    StdlibOnly = "E0111", "stdlib-only-declaration", Error, "`schema`, `enum` and `union` are declared only in the stdlib.";
    MisplacedPlatform = "E0112", "misplaced-platform", Error, "The `platform` block belongs in the root `platform.msp`, once.";
    UnknownFunction = "E0113", "unknown-function", Error, "A call names a function that does not exist.";
    WrongArguments = "E0114", "wrong-arguments", Error, "A function is called with the wrong number or kind of arguments.";

    // E02xx: types and schema
    UnknownField = "E0201", "unknown-field", Error, "A record sets a field its schema does not declare.";
    TypeMismatch = "E0202", "type-mismatch", Error, "A value has the wrong type for its field.";
    MissingField = "E0203", "missing-field", Error, "A required field is not set.";
    DuplicateField = "E0204", "duplicate-field", Error, "A field or key is set twice in one record.";
    UnknownVariant = "E0205", "unknown-variant", Error, "A value is not one of the enum's or union's variants.";
    OutOfRange = "E0206", "out-of-range", Error, "A number, duration or size is outside its allowed range.";
    PatternMismatch = "E0207", "pattern-mismatch", Error, "A string does not have the required form.";
    BadLength = "E0208", "bad-length", Error, "A string, list or map is too short or too long.";
    NotMultiple = "E0209", "not-a-multiple", Error, "A value is not a whole multiple of the required step.";
    DuplicateItem = "E0210", "duplicate-item", Error, "A list that must hold distinct items repeats one.";
    LabelField = "E0211", "label-field", Error, "A field that the block's label defines is set in the body.";
    InvalidKey = "E0212", "invalid-key", Error, "A map key does not have the required form.";
    VariantPayload = "E0213", "variant-payload", Error, "A union variant is missing its body, or has one it does not take.";
    BadSpread = "E0214", "bad-spread", Error, "`..base` spreads something that is not a record.";

    // E03xx: platform rules
    ProjectIdPrefix = "E0301", "project-id-prefix", Error, "A project id does not start with `<service id>-`.";
    ProjectIdEnvironment = "E0302", "project-id-environment", Error, "A project id does not contain `-<environment id>-`.";
    DisplayNameLength = "E0304", "display-name-length", Error, "`<name> - <environment>` is longer than 30 characters.";
    CpuMemory = "E0305", "cpu-memory", Error, "CPU and memory of an instance are not a valid Cloud Run pair.";
    PostgresCpu = "E0306", "postgres-cpu", Error, "PostgreSQL CPU is not 1 or an even number up to 96.";
    PostgresMemory = "E0307", "postgres-memory", Error, "PostgreSQL memory does not fit its CPU count.";
    InvalidCron = "E0308", "invalid-cron", Error, "A cron schedule is not a valid 5-field expression.";
    CronSpacing = "E0309", "cron-spacing", Error, "A schedule runs more often than every 15 minutes or less often than every 8 days.";
    KindOnlyField = "E0310", "kind-only-field", Error, "A field that only services (or only jobs) take is set on the other kind.";
    RolloutStageMissing = "E0311", "rollout-stage-missing", Error, "An environment deploys by rollout but is not a rollout stage.";
    RolloutStageDeploy = "E0312", "rollout-stage-deploy", Error, "A rollout stage does not deploy by rollout.";
    RolloutInJob = "E0313", "rollout-in-job", Error, "Jobs cannot be deployed by rollout.";
    SecretReference = "E0314", "secret-reference", Error, "A secret reference is not `name` or `projects/<p>/secrets/<name>`.";
    ProbeInterval = "E0315", "probe-interval", Error, "A health-probe interval is shorter than the timeout or too long.";
    ProbeHealthzDisabled = "E0316", "probe-healthz-disabled", Error, "Probe timings are set while healthz probes are disabled.";
    ResponseCodeChoice = "E0317", "response-code-choice", Error, "A response-code alert sets neither or both of `code` and `code_class`.";
    DuplicateAlert = "E0318", "duplicate-alert", Error, "Two custom alerts of a service have the same id.";
    DuplicateService = "E0319", "duplicate-service", Error, "Two services in the workspace have the same id.";
    DuplicateProjectId = "E0320", "duplicate-project-id", Error, "A GCP project id is used by two environments.";
    DuplicateDomain = "E0321", "duplicate-domain", Error, "A domain is used by two environments.";
    MountPath = "E0322", "mount-path", Error, "A secret volume's mount path is not an absolute file path.";
    BigQuerySchema = "E0323", "bigquery-schema", Error, "A BigQuery table has no valid `<table>.bigquerytable.json` schema.";
    OrganizationAuth = "E0325", "organization-auth", Error, "`authentication = organization` needs `platform.organization_domain`.";
    PublicationDatabase = "E0326", "publication-database", Error, "A logical-replication publication names a database the instance does not create.";
    EnvConflict = "E0327", "env-conflict", Error, "An environment variable is reserved by the platform or set twice.";
    ScalingBounds = "E0328", "scaling-bounds", Error, "`scaling.min` is greater than `scaling.max`.";

    // E04xx: importing MSP YAML (`mspc import`); they point into the YAML
    YamlSyntax = "E0401", "yaml-syntax", Error, "An MSP spec is not valid YAML, or uses YAML that mspc will not expand.";

    YamlType = "E0403", "yaml-type", Error, "A value in an MSP spec has the wrong YAML type for its key.";
    YamlValue = "E0404", "yaml-value", Error, "A value in an MSP spec is invalid, or has no `.msp` equivalent.";
    MissingYamlKey = "E0405", "missing-yaml-key", Error, "An MSP spec lacks a key that MSP requires.";

    // W0xxx: lints
    ProductionTestCategory = "W0001", "production-test-category", Warning, "An environment named like production has category `test`.";
    PagingDisabled = "W0002", "paging-disabled", Warning, "A production environment turns off paging for critical alerts.";
    ScaleToZeroExternal = "W0003", "scale-to-zero-external", Warning, "An external service may scale to zero instances and start cold.";
    SecretInEnv = "W0004", "secret-in-env", Warning, "A plain `env` value looks like a secret.";
    MissingHandbookPage = "W0005", "missing-handbook-page", Warning, "A production service has no handbook page.";
    DestroysAllowed = "W0006", "destroys-allowed-in-production", Warning, "A production environment allows its resources to be destroyed.";
    NoHealthProbes = "W0007", "no-health-probes", Warning, "A production service has no health probes.";
    UnproxiedDomain = "W0008", "unproxied-production-domain", Warning, "A production domain bypasses the Cloudflare proxy and its WAF.";
    UnusedBinding = "W0009", "unused-binding", Warning, "A `let` or `import` is never used.";
    SingleZoneDatabase = "W0010", "single-zone-database", Warning, "An external environment's PostgreSQL is not highly available.";
    ReadmeHeading = "W0011", "readme-heading", Warning, "A service README does not start with `# <service name>`.";
    EmptyFile = "W0012", "empty-file", Warning, "A `.msp` file declares nothing.";
    SubscriptionRegistry = "W0014", "subscription-registry", Warning, "A `subscription` deploy follows an image outside Artifact Registry, whose digest a plan cannot look up.";
    UnknownYamlKey = "W0013", "unknown-yaml-key", Warning, "An MSP spec has a key that MSP's `service.yaml` does not define; MSP ignores it, and so does `mspc import`.";
}

impl Code {
    pub fn parse(s: &str) -> Option<Code> {
        let s = s.trim();
        Code::ALL.iter().copied().find(|c| c.as_str().eq_ignore_ascii_case(s) || c.name() == s)
    }

    /// The code's Markdown page, embedded from `docs/diagnostics/`.
    pub fn page(self) -> Option<&'static str> {
        super::pages::page(self.as_str())
    }

    pub fn is_lint(self) -> bool {
        self.as_str().starts_with('W')
    }
}

impl std::fmt::Display for Code {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

"""The repositories a fake history is made of, and what each one's PRs can be about.

Each ``RepoTemplate`` describes one realistic kind of project (a Next.js storefront, a
FastAPI payments service, Terraform infrastructure, ...): its owner, language, the
scopes and subjects its PR titles use, the files its diffs touch and the numbers its
PR bodies quote. The generator only combines and samples these; keeping the catalogue
apart from the sampling code means a new kind of repository is a data change here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

# The kinds of change a milestone gathers: the work towards its goal, not chores, docs or CI.
MILESTONE_KINDS = ("feat", "fix", "perf", "refactor", "test", "security")


@dataclass(frozen=True)
class MilestoneTemplate:
    """A goal an organisation's repository works towards, and which PRs belong to it.

    A PR joins the first milestone of its repository that one of its ``keywords`` starts a
    word of its title in (case-insensitive), when its kind is one of ``kinds`` and it was
    opened by the due date. ``due`` places the due date in the history's range (0 at its
    start, 1 at its end). "{quarter}" in the title names the quarter the range starts in.
    """

    number: int
    title: str
    description: str
    keywords: tuple[str, ...]
    due: float = 1.0
    kinds: tuple[str, ...] = MILESTONE_KINDS


@dataclass(frozen=True)
class RepoTemplate:
    """Everything needed to invent plausible PRs for one kind of repository."""

    name: str
    owner: str | None  # None: the contributing user's own account
    description: str
    language: str
    private: bool
    topics: tuple[str, ...]
    ticket_key: str
    # kind -> ((scope, subject), ...); perf subjects name the claim kind after a "|".
    subjects: Mapping[str, tuple[tuple[str, str], ...]]
    paths: Mapping[str, tuple[str, ...]]  # area -> existing paths
    new_files: Mapping[str, str]  # area -> pattern for added files, "{word}" is filled in
    deps: tuple[tuple[str, str, str], ...]  # (package, from, to)
    units: tuple[str, ...]  # testable units, for test subjects
    doc_topics: tuple[str, ...]
    ci_jobs: tuple[str, ...]
    claim_kinds: tuple[str, ...]
    endpoints: tuple[str, ...] = ("the API",)
    error_nouns: tuple[str, ...] = ("errors",)
    queries: tuple[str, ...] = ("report",)
    default_branch: str = "main"
    personal: bool = False
    # What GitHub shows on the repository page. Private repositories only collect their
    # members' stars; ``fork_of`` names the upstream of a fork ("owner/name").
    stars: int = 0
    forks: int = 0
    fork_of: str | None = None
    # The milestones PRs are grouped under; personal repositories have none.
    milestones: tuple[MilestoneTemplate, ...] = ()


ORG_PROFILES: dict[str, tuple[str, str]] = {
    "acme": ("Acme Commerce", "Online retail for everyday essentials."),
    "northwind": ("Northwind Labs", "Data and mobile products for Northwind Traders."),
}

WEB_APP = RepoTemplate(
    name="web-app",
    owner="acme",
    description="Customer-facing storefront (Next.js)",
    language="TypeScript",
    private=False,
    stars=148,
    forks=37,
    milestones=(
        MilestoneTemplate(
            12,
            "Checkout v2",
            "The new checkout: wallet payments, clear card errors and a payment form that submits once.",
            ("checkout", "payment form", "apple pay", "declined card"),
        ),
        MilestoneTemplate(
            13,
            "Search suggestions",
            "Typo-tolerant, fast search suggestions on every page.",
            ("search",),
            due=0.8,
        ),
        MilestoneTemplate(
            14,
            "Saved carts",
            "Carts that survive logins and follow customers across devices.",
            ("cart", "usecart"),
        ),
    ),
    topics=("nextjs", "ecommerce", "react"),
    ticket_key="WEB",
    subjects={
        "feat": (
            ("checkout", "retry failed payment authorisations with backoff"),
            ("checkout", "add guest checkout behind a feature flag"),
            ("cart", "persist saved carts across devices"),
            ("search", "add typo-tolerant product search suggestions"),
            ("account", "show live order tracking on the orders page"),
            ("i18n", "add German and French locales to checkout"),
            ("ui", "add dark mode to the account area"),
            ("analytics", "track checkout funnel drop-off events"),
            ("checkout", "support Apple Pay on Safari"),
        ),
        "fix": (
            ("checkout", "prevent double submission of the payment form"),
            ("cart", "keep cart quantities in sync after login"),
            ("search", "escape special characters in search queries"),
            ("i18n", "format prices with the customer's locale"),
            ("auth", "refresh expired sessions instead of logging users out"),
            ("ui", "fix focus trap in the cart drawer"),
            ("checkout", "handle declined cards without a blank screen"),
            ("account", "show correct totals for partially refunded orders"),
        ),
        "perf": (
            ("search", "debounce search suggestions and cache results|latency"),
            ("ui", "lazy-load product images below the fold|bundle"),
            ("build", "split the checkout bundle by route|bundle"),
            ("cart", "memoise cart totals to avoid re-renders|latency"),
            ("api", "batch inventory lookups on the product grid|latency"),
        ),
        "refactor": (
            ("checkout", "extract payment form state into a reducer"),
            ("api", "replace hand-rolled fetch wrapper with a typed client"),
            ("cart", "move cart logic out of page components"),
            ("ui", "migrate buttons to the design-system components"),
        ),
        "build": (
            ("build", "enable incremental TypeScript builds"),
            ("build", "switch linting to the flat ESLint config"),
        ),
    },
    paths={
        "src": (
            "src/components/checkout/CheckoutForm.tsx",
            "src/components/checkout/PaymentStep.tsx",
            "src/components/cart/CartDrawer.tsx",
            "src/components/search/SearchBar.tsx",
            "src/hooks/useCart.ts",
            "src/lib/api/client.ts",
            "src/lib/payments/retry.ts",
            "src/pages/checkout/index.tsx",
            "src/pages/account/orders.tsx",
            "src/store/cartSlice.ts",
            "src/i18n/locales/en.json",
            "src/utils/formatPrice.ts",
            "src/analytics/events.ts",
        ),
        "tests": (
            "src/components/checkout/CheckoutForm.test.tsx",
            "src/hooks/useCart.test.ts",
            "tests/e2e/checkout.spec.ts",
            "tests/e2e/search.spec.ts",
            "src/lib/api/client.test.ts",
        ),
        "docs": ("README.md", "docs/architecture.md", "docs/checkout-flow.md", "CONTRIBUTING.md"),
        "ci": (
            ".github/workflows/ci.yml",
            ".github/workflows/preview-deploy.yml",
            ".github/workflows/e2e.yml",
        ),
        "build": ("package.json", "next.config.js", "tsconfig.json", ".eslintrc.cjs"),
        "lock": ("package-lock.json",),
    },
    new_files={
        "src": "src/lib/{scope}/{camel}.ts",
        "tests": "tests/e2e/{kebab}.spec.ts",
        "docs": "docs/{kebab}.md",
    },
    deps=(("next", "14.1.0", "14.2.3"), ("react-query", "5.17.0", "5.28.4"), ("zod", "3.22.4", "3.23.8")),
    units=("CheckoutForm", "the useCart hook", "price formatting", "search suggestions"),
    doc_topics=("the checkout flow", "local setup", "feature flags", "the analytics events"),
    ci_jobs=("e2e tests", "lint", "unit tests", "preview deploys"),
    claim_kinds=("latency", "bundle", "errors"),
    endpoints=("/api/cart", "/api/search", "the product page"),
    error_nouns=("checkout errors", "client-side exceptions", "failed payments"),
)

PAYMENTS_API = RepoTemplate(
    name="payments-api",
    owner="acme",
    description="Payments, refunds and webhooks service (FastAPI)",
    language="Python",
    private=True,
    stars=9,
    forks=2,
    milestones=(
        MilestoneTemplate(
            5, "Refunds v2", "Partial refunds, refund reasons and limits on what can be refunded.", ("refund",)
        ),
        MilestoneTemplate(
            6,
            "Webhook reliability",
            "Signed, batched webhook deliveries that stop retrying when they should.",
            ("webhook",),
        ),
        MilestoneTemplate(
            7,
            "Idempotent payments",
            "No double charges: idempotency keys and captures that are safe to retry.",
            ("idempoten", "duplicate", "retried"),
        ),
    ),
    topics=("payments", "fastapi", "postgres"),
    ticket_key="PAY",
    subjects={
        "feat": (
            ("refunds", "support partial refunds"),
            ("webhooks", "verify webhook signatures from the payment provider"),
            ("payments", "add idempotency keys to payment creation"),
            ("ledger", "export ledger entries as CSV"),
            ("api", "add cursor pagination to the transactions endpoint"),
            ("payments", "add 3-D Secure challenge flow"),
            ("refunds", "record a reason for every refund"),
        ),
        "fix": (
            ("webhooks", "stop retrying webhooks that return 410"),
            ("payments", "round currency amounts with banker's rounding"),
            ("db", "release connections when a transaction is rolled back"),
            ("api", "return 404 instead of 500 for unknown payment ids"),
            ("refunds", "reject refunds larger than the captured amount"),
            ("ledger", "avoid duplicate ledger entries on retried captures"),
        ),
        "perf": (
            ("db", "add a composite index for transaction lookups|query"),
            ("api", "cache merchant settings in Redis|latency"),
            ("webhooks", "process webhook deliveries in batches|throughput"),
            ("ledger", "stream ledger exports instead of loading them in memory|memory"),
        ),
        "refactor": (
            ("payments", "split the payment service into capture and authorise steps"),
            ("db", "move raw SQL into repository classes"),
            ("api", "replace ad-hoc error dicts with problem-details responses"),
        ),
        "build": (
            ("build", "move to a multi-stage Docker build"),
            ("build", "pin Python to 3.12 in the base image"),
        ),
    },
    paths={
        "src": (
            "src/payments_api/routes/payments.py",
            "src/payments_api/routes/refunds.py",
            "src/payments_api/webhooks/provider.py",
            "src/payments_api/ledger/entries.py",
            "src/payments_api/db/session.py",
            "src/payments_api/services/idempotency.py",
            "src/payments_api/auth/jwt.py",
            "src/payments_api/settings.py",
        ),
        "tests": (
            "tests/test_payments.py",
            "tests/test_refunds.py",
            "tests/test_webhooks.py",
            "tests/conftest.py",
        ),
        "docs": (
            "README.md",
            "docs/api.md",
            "docs/runbooks/webhook-replay.md",
            "docs/adr/0007-idempotency-keys.md",
        ),
        "ci": (".github/workflows/ci.yml", ".github/workflows/deploy.yml"),
        "build": ("pyproject.toml", "Dockerfile", "docker-compose.yml"),
        "lock": ("poetry.lock",),
    },
    new_files={
        "src": "src/payments_api/{scope}/{word}.py",
        "tests": "tests/test_{word}.py",
        "docs": "docs/runbooks/{kebab}.md",
    },
    deps=(
        ("fastapi", "0.109.0", "0.110.2"),
        ("sqlalchemy", "2.0.25", "2.0.29"),
        ("pydantic", "2.5.3", "2.7.1"),
    ),
    units=("refund validation", "the webhook signature check", "idempotency keys", "the ledger writer"),
    doc_topics=("the refund API", "webhook replay", "local setup with Docker", "error codes"),
    ci_jobs=("integration tests", "migrations check", "unit tests"),
    claim_kinds=("latency", "errors", "query", "memory"),
    endpoints=("POST /v1/payments", "GET /v1/transactions", "POST /v1/refunds"),
    error_nouns=("5xx responses", "failed webhook deliveries", "duplicate charges"),
    queries=("transaction lookup", "merchant balance", "refund search"),
)

INFRA = RepoTemplate(
    name="infra",
    owner="acme",
    description="Terraform and Kubernetes configuration for all Acme services",
    language="HCL",
    private=True,
    stars=6,
    forks=1,
    milestones=(
        MilestoneTemplate(
            21,
            "{quarter} cost review",
            "Cut the AWS bill: right-size what is oversized, scale with load, keep traffic off the NAT gateways.",
            ("right-size", "vpc endpoint", "autoscaling", "replica", "cost", "spot"),
        ),
        MilestoneTemplate(
            22,
            "On-call readiness",
            "Alerts that reach the right people, failover and budgets that keep services up.",
            ("alert", "on-call", "oom kill", "multi-az", "disruption budget", "slo dashboard", "cron job"),
        ),
        MilestoneTemplate(
            20,
            "S3 access review",
            "Every bucket behind a tested, least-privilege policy.",
            ("bucket", "deployer policy"),
            due=0.5,
        ),
    ),
    topics=("terraform", "kubernetes", "aws"),
    ticket_key="OPS",
    subjects={
        "feat": (
            ("k8s", "add horizontal pod autoscaling for web-app"),
            ("monitoring", "alert on payment error rate above 2%"),
            ("rds", "enable multi-AZ failover for the payments database"),
            ("iam", "add a read-only role for on-call engineers"),
            ("networking", "add VPC endpoints for S3 and ECR"),
            ("k8s", "add pod disruption budgets for critical services"),
            ("monitoring", "add an SLO dashboard for checkout availability"),
        ),
        "fix": (
            ("k8s", "raise memory limits for payments-api to stop OOM kills"),
            ("monitoring", "fix alert routing for the checkout dashboard"),
            ("iam", "scope the CI deployer policy to its own buckets"),
            ("rds", "apply parameter group changes without a reboot"),
            ("networking", "allow egress to the payment provider's new IP range"),
            ("k8s", "stop cron jobs overlapping when a run is slow"),
            ("terraform", "remove drift in the staging security groups"),
        ),
        "perf": (
            ("k8s", "tune readiness probes to shorten rollouts|ci"),
            ("rds", "right-size the reporting replica|cost"),
        ),
        "refactor": (
            ("terraform", "extract a shared module for service buckets"),
            ("k8s", "move service manifests to Kustomize overlays"),
        ),
        "build": (("terraform", "upgrade the AWS provider to 5.x"),),
    },
    paths={
        "src": (
            "terraform/modules/rds/main.tf",
            "terraform/modules/vpc/main.tf",
            "terraform/envs/prod/main.tf",
            "k8s/payments-api/deployment.yaml",
            "k8s/web-app/hpa.yaml",
            "monitoring/alerts/payments.yaml",
            "monitoring/dashboards/checkout.json",
            "iam/policies/ci-deployer.json",
        ),
        "tests": ("tests/terratest/vpc_test.go", "tests/policy/deny_public_buckets.rego"),
        "docs": ("README.md", "docs/runbooks/rotate-db-credentials.md", "docs/oncall.md"),
        "ci": (".github/workflows/terraform-plan.yml", ".github/workflows/terraform-apply.yml"),
        "build": (".terraform.lock.hcl", "Makefile", ".pre-commit-config.yaml"),
        "lock": (".terraform.lock.hcl",),
    },
    new_files={
        "src": "terraform/modules/{word}/main.tf",
        "tests": "tests/policy/{word}.rego",
        "docs": "docs/{kebab}.md",
    },
    deps=(("hashicorp/aws", "5.31.0", "5.45.0"), ("tflint", "0.49.0", "0.50.3")),
    units=("the VPC module", "bucket policies", "the RDS module"),
    doc_topics=("database credential rotation", "the on-call handbook", "how to add a new service"),
    ci_jobs=("terraform plan", "policy checks"),
    claim_kinds=("ci", "cost", "errors"),
    error_nouns=("pod restarts", "paging alerts", "failed deploys"),
)

DESIGN_SYSTEM = RepoTemplate(
    name="design-system",
    owner="acme",
    description="Shared React components and design tokens",
    language="TypeScript",
    private=False,
    stars=1_240,
    forks=96,
    milestones=(
        MilestoneTemplate(
            9,
            "Dark mode",
            "Semantic colour tokens with enough contrast in both themes.",
            ("dark mode", "token", "contrast", "colour"),
        ),
        MilestoneTemplate(
            10,
            "Accessibility audit",
            "Fix what the WCAG 2.2 audit found: focus, keyboard use and screen readers.",
            ("a11y", "accessib", "screen reader", "focus", "keyboard"),
        ),
    ),
    topics=("react", "design-system", "accessibility"),
    ticket_key="DS",
    subjects={
        "feat": (
            ("modal", "add a size prop to Modal"),
            ("tokens", "add semantic colour tokens for dark mode"),
            ("tooltip", "support keyboard-triggered tooltips"),
            ("button", "add a loading state to Button"),
            ("table", "add a sortable Table component"),
        ),
        "fix": (
            ("a11y", "announce Modal titles to screen readers"),
            ("button", "keep focus ring visible in high-contrast mode"),
            ("tooltip", "stop tooltips overflowing the viewport"),
            ("tokens", "correct contrast of the muted text colour"),
        ),
        "perf": (
            ("build", "ship ES modules so apps can tree-shake icons|bundle"),
            ("table", "virtualise rows in large tables|latency"),
        ),
        "refactor": (
            ("button", "share variant styles between Button and Link"),
            ("tokens", "generate tokens from a single JSON source"),
        ),
        "build": (("build", "migrate bundling from Rollup to tsup"),),
    },
    paths={
        "src": (
            "packages/react/src/Button/Button.tsx",
            "packages/react/src/Modal/Modal.tsx",
            "packages/react/src/Tooltip/Tooltip.tsx",
            "packages/react/src/Table/Table.tsx",
            "packages/tokens/src/colors.ts",
            "packages/tokens/src/spacing.ts",
            "packages/react/src/index.ts",
        ),
        "tests": (
            "packages/react/src/Button/Button.test.tsx",
            "packages/react/src/Modal/Modal.test.tsx",
            "packages/react/src/Tooltip/__snapshots__/Tooltip.test.tsx.snap",
        ),
        "docs": ("README.md", "docs/components/button.mdx", "docs/accessibility.md", "CHANGELOG.md"),
        "ci": (".github/workflows/release.yml", ".github/workflows/chromatic.yml"),
        "build": ("package.json", "rollup.config.mjs", "tsconfig.base.json"),
        "lock": ("pnpm-lock.yaml",),
    },
    new_files={
        "src": "packages/react/src/{Word}/{Word}.tsx",
        "tests": "packages/react/src/{Word}/{Word}.test.tsx",
        "docs": "docs/components/{kebab}.mdx",
    },
    deps=(("storybook", "7.6.7", "8.0.9"), ("typescript", "5.3.3", "5.4.5")),
    units=("Modal", "Button", "Tooltip positioning", "the token build"),
    doc_topics=("Button usage", "the accessibility checklist", "release process"),
    ci_jobs=("visual regression tests", "release", "unit tests"),
    claim_kinds=("bundle", "ci"),
    endpoints=("the Storybook home page",),
)

DATA_PIPELINE = RepoTemplate(
    name="data-pipeline",
    owner="northwind",
    description="Nightly ingestion and warehouse models",
    language="Python",
    private=True,
    stars=4,
    forks=1,
    milestones=(
        MilestoneTemplate(
            4,
            "Orders from S3",
            "Move the orders ingestion to the new S3 export, with backfills.",
            ("orders", "s3", "backfill"),
        ),
        MilestoneTemplate(
            5,
            "Data quality",
            "Catch bad data before the warehouse does: row counts, nulls, duplicates, timestamps.",
            ("quality", "row count", "null", "deduplicate", "daylight"),
        ),
    ),
    topics=("airflow", "dbt", "data-engineering"),
    ticket_key="DATA",
    subjects={
        "feat": (
            ("ingest", "ingest orders from the new S3 export"),
            ("quality", "fail the DAG when row counts drop by more than 20%"),
            ("warehouse", "add a daily customer retention model"),
            ("dags", "backfill support for the orders DAG"),
        ),
        "fix": (
            ("transforms", "treat empty strings as nulls in customer emails"),
            ("ingest", "handle daylight-saving gaps in event timestamps"),
            ("warehouse", "deduplicate late-arriving orders"),
            ("dags", "stop the sensor timing out on slow exports"),
        ),
        "perf": (
            ("transforms", "read parquet with column pruning|memory"),
            ("warehouse", "make fct_orders incremental|query"),
            ("ingest", "parallelise S3 downloads|throughput"),
        ),
        "refactor": (
            ("transforms", "replace pandas apply with vectorised expressions"),
            ("dags", "generate DAGs from a YAML spec"),
        ),
        "build": (("build", "switch dependency management to uv"),),
    },
    paths={
        "src": (
            "dags/daily_orders.py",
            "src/pipeline/ingest/s3_reader.py",
            "src/pipeline/transforms/orders.py",
            "src/pipeline/quality/checks.py",
            "src/pipeline/warehouse/loader.py",
            "sql/models/fct_orders.sql",
            "sql/models/dim_customers.sql",
        ),
        "tests": ("tests/test_orders_transform.py", "tests/test_quality_checks.py", "tests/conftest.py"),
        "docs": ("README.md", "docs/data-dictionary.md", "docs/runbooks/backfill.md"),
        "ci": (".github/workflows/ci.yml", ".github/workflows/dbt-docs.yml"),
        "build": ("pyproject.toml", "Dockerfile"),
        "lock": ("uv.lock",),
    },
    new_files={
        "src": "src/pipeline/{scope}/{word}.py",
        "tests": "tests/test_{word}.py",
        "docs": "docs/{kebab}.md",
    },
    deps=(
        ("apache-airflow", "2.8.1", "2.9.0"),
        ("pandas", "2.1.4", "2.2.2"),
        ("dbt-core", "1.7.4", "1.7.13"),
    ),
    units=("the orders transform", "row-count checks", "the S3 reader"),
    doc_topics=("the data dictionary", "how to run a backfill", "the warehouse layout"),
    ci_jobs=("dbt tests", "unit tests"),
    claim_kinds=("memory", "query", "throughput", "ci"),
    error_nouns=("failed DAG runs", "data-quality alerts"),
    queries=("fct_orders", "retention", "daily revenue"),
)

MOBILE_APP = RepoTemplate(
    name="mobile-app",
    owner="northwind",
    description="Android app for Northwind customers",
    language="Kotlin",
    private=False,
    stars=312,
    forks=58,
    milestones=(
        MilestoneTemplate(
            3,
            "Offline mode",
            "Browse and change the cart without a connection; sync when back online.",
            ("offline", "sync"),
        ),
        MilestoneTemplate(
            4,
            "Compose migration",
            "Move the remaining screens to Jetpack Compose and fix layout on small screens.",
            ("compose", "font size", "clipped", "small screen"),
        ),
    ),
    topics=("android", "kotlin", "jetpack-compose"),
    ticket_key="MOB",
    subjects={
        "feat": (
            ("onboarding", "add a skippable onboarding carousel"),
            ("push", "deep-link order notifications to the order screen"),
            ("offline", "queue cart changes while offline"),
            ("ui", "support dynamic font sizes"),
        ),
        "fix": (
            ("offline", "stop the sync worker running twice after reboot"),
            ("push", "request notification permission on Android 13+"),
            ("ui", "fix clipped buttons on small screens"),
            ("api", "retry requests that fail with a stale token"),
        ),
        "perf": (
            ("startup", "defer analytics initialisation until after first frame|cold_start"),
            ("ui", "cache decoded product images|errors"),
        ),
        "refactor": (
            ("ui", "migrate the cart screen to Jetpack Compose"),
            ("api", "move networking behind a repository interface"),
        ),
        "build": (("build", "move dependency versions to a version catalog"),),
    },
    paths={
        "src": (
            "app/src/main/java/com/northwind/app/onboarding/OnboardingScreen.kt",
            "app/src/main/java/com/northwind/app/push/PushService.kt",
            "app/src/main/java/com/northwind/app/sync/OfflineSyncWorker.kt",
            "app/src/main/java/com/northwind/app/ui/theme/Theme.kt",
            "app/src/main/java/com/northwind/app/api/ApiClient.kt",
            "app/src/main/res/values/strings.xml",
        ),
        "tests": (
            "app/src/test/java/com/northwind/app/sync/OfflineSyncWorkerTest.kt",
            "app/src/androidTest/java/com/northwind/app/CartScreenTest.kt",
        ),
        "docs": ("README.md", "docs/release-checklist.md"),
        "ci": (".github/workflows/android.yml", ".github/workflows/play-store.yml"),
        "build": ("app/build.gradle.kts", "build.gradle.kts", "gradle/libs.versions.toml"),
        "lock": ("gradle/libs.versions.toml",),
    },
    new_files={
        "src": "app/src/main/java/com/northwind/app/{scope}/{Word}.kt",
        "tests": "app/src/test/java/com/northwind/app/{scope}/{Word}Test.kt",
        "docs": "docs/{kebab}.md",
    },
    deps=(("androidx.compose:compose-bom", "2024.01.00", "2024.04.01"), ("kotlin", "1.9.22", "1.9.23")),
    units=("the sync worker", "the cart screen", "token refresh"),
    doc_topics=("the release checklist", "local setup"),
    ci_jobs=("instrumented tests", "lint", "release builds"),
    claim_kinds=("cold_start", "errors"),
    error_nouns=("crashes", "ANRs", "failed syncs"),
    default_branch="develop",
)

DOTFILES = RepoTemplate(
    name="dotfiles",
    owner=None,
    description="My shell, editor and git configuration",
    language="Shell",
    private=False,
    stars=3,
    forks=0,
    fork_of="dotbase/dotfiles",
    topics=("dotfiles", "zsh", "neovim"),
    ticket_key="",
    subjects={
        "feat": (
            ("nvim", "add LSP config for TypeScript and Python"),
            ("zsh", "add fuzzy history search with fzf"),
            ("git", "add aliases for interactive rebase"),
            ("tmux", "add a session picker"),
        ),
        "fix": (
            ("install", "make install.sh idempotent"),
            ("zsh", "fix PATH order on Apple Silicon"),
            ("nvim", "stop format-on-save in large files"),
        ),
        "perf": (("zsh", "lazy-load nvm to speed up shell startup|startup"),),
        "refactor": (("nvim", "split init.lua into plugin modules"),),
        "chore": (
            ("nvim", "update plugins"),
            ("deps", "bump {dep} from {dep_from} to {dep_to}"),
            ("zsh", "remove unused aliases"),
            ("", "tidy up the Brewfile"),
        ),
        "build": (("brew", "trim the Brewfile"),),
    },
    paths={
        "src": (
            "zsh/.zshrc",
            "zsh/aliases.zsh",
            "nvim/init.lua",
            "nvim/lua/plugins/lsp.lua",
            "git/.gitconfig",
            "tmux/.tmux.conf",
            "install.sh",
        ),
        "tests": ("tests/install_test.sh",),
        "docs": ("README.md",),
        "ci": (".github/workflows/shellcheck.yml",),
        "build": ("Brewfile",),
        "lock": ("nvim/lazy-lock.json",),
    },
    new_files={"src": "{scope}/{kebab}.sh", "tests": "tests/{word}_test.sh", "docs": "docs/{kebab}.md"},
    deps=(("lazy.nvim", "10.15.0", "10.20.2"),),
    units=("install.sh",),
    doc_topics=("the install steps",),
    ci_jobs=("shellcheck",),
    claim_kinds=("startup",),
    personal=True,
)

RSS_DIGEST = RepoTemplate(
    name="rss-digest",
    owner=None,
    description="Sends me a daily email digest of my RSS feeds",
    language="Python",
    private=False,
    stars=27,
    forks=4,
    topics=("rss", "cli", "python"),
    ticket_key="",
    subjects={
        "feat": (
            ("feeds", "support Atom feeds"),
            ("email", "render the digest as HTML"),
            ("cli", "add a --since flag"),
        ),
        "fix": (
            ("feeds", "skip feeds that return invalid XML"),
            ("email", "escape HTML in item titles"),
        ),
        "perf": (("feeds", "fetch feeds concurrently|throughput"),),
        "refactor": (("cli", "move argument parsing to click"),),
        "chore": (
            ("deps", "bump {dep} from {dep_from} to {dep_to}"),
            ("", "drop Python 3.9 support"),
            ("", "update the example config"),
        ),
        "build": (("build", "publish wheels from CI"),),
    },
    paths={
        "src": ("rss_digest/feeds.py", "rss_digest/email.py", "rss_digest/cli.py"),
        "tests": ("tests/test_feeds.py", "tests/test_email.py"),
        "docs": ("README.md",),
        "ci": (".github/workflows/test.yml",),
        "build": ("pyproject.toml",),
        "lock": ("requirements.lock",),
    },
    new_files={"src": "rss_digest/{word}.py", "tests": "tests/test_{word}.py", "docs": "docs/{kebab}.md"},
    deps=(("feedparser", "6.0.10", "6.0.11"), ("httpx", "0.26.0", "0.27.0")),
    units=("feed parsing", "the HTML renderer"),
    doc_topics=("configuration",),
    ci_jobs=("tests",),
    claim_kinds=("throughput", "memory"),
    queries=("feed fetch",),
)

ORG_TEMPLATES = (WEB_APP, PAYMENTS_API, INFRA, DESIGN_SYSTEM, DATA_PIPELINE, MOBILE_APP)
PERSONAL_TEMPLATES = (DOTFILES, RSS_DIGEST)
MAX_REPOS_PER_USER = len(ORG_TEMPLATES) + len(PERSONAL_TEMPLATES)

#!/usr/bin/env Rscript
# =============================================================================
# Golden reference values from lavaan and semTools for sem_csat's
# covariance-based SEM and measurement-quality tests.
#
# Run from the repository root:
#
#     Rscript tests/reference/lavaan/make_reference.R
#
# Needs only R with the packages lavaan and semTools (Debian:
# `apt-get install r-cran-lavaan r-cran-semtools`); no other R package.
# Everything is written into tests/reference/lavaan/ (see README.md there for
# a description of every file).  The script is deterministic: rerunning it
# with the same R / lavaan / semTools versions reproduces the files exactly.
#
# Conventions of the output files
#   * CSV, comma separated, header row, no row names; character columns are
#     quoted, numbers are written with the fewest of 15/16/17 significant
#     digits that round-trip the IEEE double exactly, missing values as NA.
#   * Square matrices (covariances, correlations, HTMT) have a first column
#     with an empty header holding the row names; read them in pandas with
#     `pd.read_csv(path, index_col=0)`.
#   * JSON is written by the small writer below (no jsonlite dependency).
# =============================================================================

suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
})

# Resolve the output folder relative to this script, so the script also works
# when not started from the repository root.
script_dir <- local({
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f) == 1) dirname(normalizePath(f)) else "tests/reference/lavaan"
})
OUT <- script_dir
REPO <- normalizePath(file.path(OUT, "..", "..", ".."))
DATASETS <- file.path(REPO, "sem_csat", "datasets")

VERSIONS <- list(
  R = paste(R.version$major, R.version$minor, sep = "."),
  R_version_string = R.version.string,
  lavaan = as.character(packageVersion("lavaan")),
  semTools = as.character(packageVersion("semTools"))
)

# -----------------------------------------------------------------------------
# Small writers
# -----------------------------------------------------------------------------

# Numbers as the shortest of 15, 16 or 17 significant digits that reads back
# as exactly the same double (so 0.297 stays "0.297"); NA as "NA".
fmt_num <- function(x) {
  x <- as.numeric(x)
  out <- sprintf("%.15g", x)
  for (digits in c(16, 17)) {
    bad <- !is.na(x) & as.numeric(out) != x
    out[bad] <- sprintf(paste0("%.", digits, "g"), x[bad])
  }
  out[is.na(x)] <- "NA"
  out
}

# Write a data.frame: numeric columns at full precision, others quoted.
write_csv17 <- function(df, path) {
  df <- as.data.frame(df, stringsAsFactors = FALSE, check.names = FALSE)
  is_num <- vapply(df, is.numeric, logical(1))
  for (j in which(is_num)) df[[j]] <- fmt_num(df[[j]])
  for (j in which(!is_num)) df[[j]] <- as.character(df[[j]])
  write.table(df, path, sep = ",", row.names = FALSE, col.names = TRUE,
              quote = which(!is_num), na = "NA", qmethod = "double")
  invisible(path)
}

# Write a matrix with its row names in a first column with an empty header.
write_matrix <- function(m, path) {
  m <- unclass(m)
  m <- matrix(as.numeric(m), nrow(m), ncol(m), dimnames = dimnames(m))
  df <- data.frame(rn = rownames(m), m, check.names = FALSE,
                   stringsAsFactors = FALSE)
  names(df)[1] <- ""
  write_csv17(df, path)
}

# Write a named numeric vector as a two-column CSV.
write_named <- function(x, path, names = c("name", "value")) {
  df <- data.frame(a = names(x), b = as.numeric(x), stringsAsFactors = FALSE)
  names(df) <- names
  write_csv17(df, path)
}

# Minimal JSON serialiser: named lists -> objects, unnamed lists and vectors
# of length != 1 -> arrays, scalars -> scalars; NA/NaN/Inf -> null.
json_escape <- function(s) {
  s <- gsub("\\", "\\\\", s, fixed = TRUE)
  s <- gsub("\"", "\\\"", s, fixed = TRUE)
  s <- gsub("\n", "\\n", s, fixed = TRUE)
  s <- gsub("\r", "\\r", s, fixed = TRUE)
  s <- gsub("\t", "\\t", s, fixed = TRUE)
  paste0("\"", s, "\"")
}
to_json <- function(x, indent = 0) {
  pad <- strrep("  ", indent + 1)
  end <- strrep("  ", indent)
  scalar <- function(v) {
    if (is.na(v)) return("null")
    if (is.logical(v)) return(if (v) "true" else "false")
    if (is.numeric(v)) {
      if (!is.finite(v)) return("null")
      return(if (v == round(v) && abs(v) < 1e15) format(v, scientific = FALSE)
             else fmt_num(v))
    }
    json_escape(as.character(v))
  }
  if (is.null(x)) return("null")
  if (is.list(x)) {
    if (length(x) == 0) return(if (is.null(names(x))) "[]" else "{}")
    if (!is.null(names(x))) {
      items <- vapply(seq_along(x), function(i)
        paste0(pad, json_escape(names(x)[i]), ": ", to_json(x[[i]], indent + 1)),
        character(1))
      return(paste0("{\n", paste(items, collapse = ",\n"), "\n", end, "}"))
    }
    items <- vapply(x, function(v) paste0(pad, to_json(v, indent + 1)), character(1))
    return(paste0("[\n", paste(items, collapse = ",\n"), "\n", end, "]"))
  }
  if (is.factor(x)) x <- as.character(x)
  if (length(x) == 1 && is.null(names(x))) return(scalar(x))
  if (!is.null(names(x))) return(to_json(as.list(x), indent))
  paste0("[", paste(vapply(x, scalar, character(1)), collapse = ", "), "]")
}
write_json <- function(x, path) writeLines(to_json(x), path, useBytes = TRUE)

# Evaluate `expr`, collecting the text of every warning (muffled so that it is
# recorded once, in order) instead of printing it.
with_warnings <- function(expr) {
  warns <- character(0)
  value <- withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = warns)
}

# warnings.txt: each warning verbatim, separated by a line "----".
# The file is empty when the fit produced no warning.
write_warnings <- function(warns, path) {
  if (length(warns) == 0) {
    invisible(file.create(path))
  } else {
    writeLines(paste(warns, collapse = "\n----\n"), path, useBytes = TRUE)
  }
}

# -----------------------------------------------------------------------------
# Writing one fitted case
# -----------------------------------------------------------------------------

PARAM_COLS <- c("lhs", "op", "rhs", "label", "est", "se", "z", "pvalue",
                "ci.lower", "ci.upper", "std.lv", "std.all")

# Options of the fit that matter for reproducing it (all atomic
# entries of lavInspect(fit, "options"), which includes estimator, likelihood,
# information, se, test, missing, sample.cov.rescale, meanstructure ...).
fit_options <- function(fit) {
  opt <- lavInspect(fit, "options")
  keep <- vapply(opt, function(v) is.atomic(v) && !is.null(v), logical(1))
  opt[keep]
}

write_case <- function(case, res, model, description, data_file = NULL,
                       dir = file.path(OUT, case), extra = list()) {
  fit <- res$value
  dir.create(dir, showWarnings = FALSE, recursive = TRUE)

  # Parameter table with standardized solution and R-squares (op "r2").
  pe <- parameterEstimates(fit, standardized = TRUE, rsquare = TRUE)
  if (!"label" %in% names(pe)) pe$label <- ""
  for (col in setdiff(PARAM_COLS, names(pe))) pe[[col]] <- NA_real_
  write_csv17(pe[, PARAM_COLS], file.path(dir, "params.csv"))

  # Every fit measure lavaan computes for this fit.  For some fits
  # fitMeasures() refits auxiliary models and re-issues the post-check
  # warning of the main fit; those repeats are recorded separately in
  # info.json ("fitmeasures_warnings"), not in warnings.txt.
  fm <- with_warnings(fitMeasures(fit))
  write_named(fm$value, file.path(dir, "fit.csv"),
              names = c("measure", "value"))

  # Model-implied and sample moments (single-group models only).
  imp <- fitted(fit)
  ss <- lavInspect(fit, "sampstat")
  write_matrix(imp$cov, file.path(dir, "implied_cov.csv"))
  write_matrix(ss$cov, file.path(dir, "sample_cov.csv"))
  if (!is.null(imp$mean)) write_named(imp$mean, file.path(dir, "implied_mean.csv"),
                                      c("variable", "value"))
  if (!is.null(ss$mean)) write_named(ss$mean, file.path(dir, "sample_mean.csv"),
                                     c("variable", "value"))
  if (!is.null(imp$th)) write_named(imp$th, file.path(dir, "implied_th.csv"),
                                    c("threshold", "value"))
  if (!is.null(ss$th)) write_named(ss$th, file.path(dir, "sample_th.csv"),
                                   c("threshold", "value"))

  # Latent (co)variances and correlations.
  write_matrix(lavInspect(fit, "cov.lv"), file.path(dir, "cov_lv.csv"))
  write_matrix(lavInspect(fit, "cor.lv"), file.path(dir, "cor_lv.csv"))

  # post.check re-issues its warning; it is already recorded from the fit.
  post_check <- suppressWarnings(lavInspect(fit, "post.check"))
  write_warnings(res$warnings, file.path(dir, "warnings.txt"))

  info <- c(list(
    case = case,
    description = description,
    data = data_file,
    model = model,
    converged = lavInspect(fit, "converged"),
    post_check = post_check,
    iterations = lavInspect(fit, "iterations"),
    nobs = lavInspect(fit, "nobs"),
    ntotal = lavInspect(fit, "ntotal"),
    npar = lavInspect(fit, "npar"),
    # lavaan stores MLR as estimator "ML" + robust se/test and WLSMV as
    # "DWLS" + robust se/test; estimator_requested is the name passed in.
    estimator_requested = if (is.null(fit@call$estimator)) "ML (default)"
                          else as.character(fit@call$estimator),
    estimator = lavInspect(fit, "options")$estimator,
    se = lavInspect(fit, "options")$se,
    test = lavInspect(fit, "options")$test,
    missing = lavInspect(fit, "options")$missing,
    likelihood = lavInspect(fit, "options")$likelihood,
    warnings = as.list(res$warnings),
    fitmeasures_warnings = as.list(fm$warnings),
    versions = VERSIONS
  ), extra, list(options = fit_options(fit)))
  write_json(info, file.path(dir, "info.json"))

  cat(sprintf("%-22s converged=%s post.check=%s warnings=%d\n", case,
              info$converged, post_check, length(res$warnings)))
  invisible(fit)
}

# -----------------------------------------------------------------------------
# Data
# -----------------------------------------------------------------------------

# lavaan's own data sets, written out so that the Python tests use identical
# numbers.  HolzingerSwineford1939 has one missing `grade` (written as NA).
hs <- lavaan::HolzingerSwineford1939
pd <- lavaan::PoliticalDemocracy
write_csv17(hs, file.path(OUT, "hs1939.csv"))
write_csv17(pd, file.path(OUT, "political_democracy.csv"))

ecsi <- read.csv(file.path(DATASETS, "ecsi_mobile.csv"))
bank <- read.csv(file.path(DATASETS, "bank_satisfaction.csv"))

# HS data with ~10% of x1-x9 missing completely at random: exactly
# round(0.10 * 301 * 9) = 271 of the 2709 cells, drawn without replacement
# (column-major cell order, i.e. x1 rows 1..301, then x2 ...).
# The RNG kind is fixed explicitly so that the draw does not depend on the
# defaults of a future R version.
XS <- paste0("x", 1:9)
RNGkind("Mersenne-Twister", "Inversion", "Rejection")
set.seed(2026)
hs_missing <- hs
xmat <- as.matrix(hs[, XS])
n_missing <- round(0.10 * length(xmat))
xmat[sample.int(length(xmat), n_missing)] <- NA
hs_missing[, XS] <- xmat
write_csv17(hs_missing, file.path(OUT, "hs1939_missing.csv"))

# -----------------------------------------------------------------------------
# Models
# -----------------------------------------------------------------------------

HS_MODEL <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
# Nested alternatives for hs_compare.
HS_ORTH_MODEL <- paste0(HS_MODEL, "visual ~~ 0*textual\n")
HS_1F_MODEL <- "
g =~ x1 + x2 + x3 + x4 + x5 + x6 + x7 + x8 + x9
"

# lavaan tutorial model for Bollen's political democracy data.
DEMO_MODEL <- "
# measurement model
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
# regressions
dem60 ~ ind60
dem65 ~ ind60 + dem60
# residual correlations
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"

# ECSI measurement model; the single-indicator Complaints construct is
# identified by fixing the residual variance of CUSCO to zero.
ECSI_MEASUREMENT <- "
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Complaints   =~ CUSCO
CUSCO ~~ 0*CUSCO
"
ECSI_STRUCTURAL <- "
Expectation  ~ Image
Quality      ~ Expectation
Value        ~ Expectation + Quality
Satisfaction ~ Image + Expectation + Quality + Value
Complaints   ~ Satisfaction
Loyalty      ~ Image + Satisfaction + Complaints
"
ECSI_SEM_MODEL <- paste0(ECSI_MEASUREMENT, ECSI_STRUCTURAL)

# Constructs with at least two indicators (HTMT and WLSMV cases).
ECSI_MULTI <- "
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
"
# Four-construct subset for the ordinal (WLSMV) case.
ECSI_ORDINAL_SUBSET <- "
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
"
items_of <- function(model) {
  pt <- lavaanify(model)
  unique(pt$rhs[pt$op == "=~"])
}

# Bank survey (ECSI without complaints; construct names as in
# model_specs/ecsi_bank.yaml).
BANK_MEASUREMENT <- "
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
"
BANK_STRUCTURAL <- "
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT
"

# -----------------------------------------------------------------------------
# Cases
# -----------------------------------------------------------------------------

fits <- list()

# --- Holzinger-Swineford 3-factor CFA, four estimators -----------------------
fits$hs_ml <- write_case("hs_ml",
  with_warnings(cfa(HS_MODEL, data = hs)), HS_MODEL,
  "HS 3-factor CFA, cfa() defaults: ML, likelihood='normal' (N in the ML discrepancy), marker-variable identification, expected information, standard SEs.",
  "hs1939.csv")

fits$hs_mlr <- write_case("hs_mlr",
  with_warnings(cfa(HS_MODEL, data = hs, estimator = "MLR")), HS_MODEL,
  "HS 3-factor CFA, estimator='MLR': Huber-White (sandwich) SEs, Yuan-Bentler scaled chi-square, scaled and robust CFI/TLI/RMSEA.",
  "hs1939.csv")

fits$hs_gls <- write_case("hs_gls",
  with_warnings(cfa(HS_MODEL, data = hs, estimator = "GLS")), HS_MODEL,
  "HS 3-factor CFA, estimator='GLS' (normal-theory GLS, weight = inverse sample covariance).",
  "hs1939.csv")

fits$hs_uls <- write_case("hs_uls",
  with_warnings(cfa(HS_MODEL, data = hs, estimator = "ULS")), HS_MODEL,
  "HS 3-factor CFA, estimator='ULS' (unweighted least squares).",
  "hs1939.csv")

# --- FIML on data with ~10% MCAR missingness ---------------------------------
fiml_extra <- function(fit) list(
  n_missing_cells = n_missing,
  missing_seed = 2026,
  n_patterns = nrow(lavInspect(fit, "patterns")))
res <- with_warnings(cfa(HS_MODEL, data = hs_missing, missing = "fiml"))
fits$hs_fiml <- write_case("hs_fiml", res, HS_MODEL,
  "HS 3-factor CFA on hs1939_missing.csv, missing='fiml', estimator ML (meanstructure added automatically). sample_cov/sample_mean are the EM (unrestricted h1) estimates.",
  "hs1939_missing.csv", extra = fiml_extra(res$value))
write_matrix(lavInspect(fits$hs_fiml, "coverage"), file.path(OUT, "hs_fiml", "coverage.csv"))

res <- with_warnings(cfa(HS_MODEL, data = hs_missing, missing = "fiml",
                         estimator = "MLR"))
fits$hs_fiml_mlr <- write_case("hs_fiml_mlr", res, HS_MODEL,
  "HS 3-factor CFA on hs1939_missing.csv, missing='fiml', estimator='MLR' (robust SEs and Yuan-Bentler scaled test for incomplete data).",
  "hs1939_missing.csv", extra = fiml_extra(res$value))

# --- Fitting from summary statistics -----------------------------------------
# cov() uses the N-1 divisor.  With sample.cov.rescale=TRUE (the default for
# ML) lavaan multiplies the supplied matrix by (N-1)/N before fitting, so the
# estimates equal hs_ml (up to optimizer tolerance); no mean structure.
hs_cov_input <- cov(hs[, XS])
dir.create(file.path(OUT, "hs_cov"), showWarnings = FALSE)
write_matrix(hs_cov_input, file.path(OUT, "hs_cov", "input_cov.csv"))
fits$hs_cov <- write_case("hs_cov",
  with_warnings(cfa(HS_MODEL, sample.cov = hs_cov_input, sample.nobs = 301)),
  HS_MODEL,
  "HS 3-factor CFA from sample.cov = cov(x1..x9) (N-1 divisor, input_cov.csv) and sample.nobs=301; lavaan rescales the input by (N-1)/N (sample.cov.rescale=TRUE).",
  "hs_cov/input_cov.csv",
  extra = list(sample_cov_rescale_factor = (301 - 1) / 301))

# Correlation matrix and standard deviations, rounded to 3 decimals as a
# published table would be; getCov() rebuilds the covariance matrix
# D R D from the lower triangle (with diagonal) and the SDs.
hs_cor <- round(cor(hs[, XS]), 3)
hs_sd <- round(apply(hs[, XS], 2, sd), 3)
# NB: getCov(lower=TRUE) reads the lower triangle row by row.
hs_lower_rowwise <- t(hs_cor)[upper.tri(hs_cor, diag = TRUE)]
hs_cov_from_cor <- getCov(hs_lower_rowwise, lower = TRUE, diagonal = TRUE,
                          sds = hs_sd, names = XS)
dir.create(file.path(OUT, "hs_cor_sd"), showWarnings = FALSE)
lower_df <- data.frame(rn = XS, stringsAsFactors = FALSE)
for (j in seq_along(XS)) {
  col <- hs_cor[, j]
  col[seq_len(j - 1)] <- NA          # blank out the upper triangle
  lower_df[[XS[j]]] <- col
}
names(lower_df)[1] <- ""
write_csv17(lower_df, file.path(OUT, "hs_cor_sd", "input_cor_lower.csv"))
write_named(hs_sd, file.path(OUT, "hs_cor_sd", "input_sds.csv"), c("variable", "sd"))
write_matrix(hs_cov_from_cor, file.path(OUT, "hs_cor_sd", "input_cov.csv"))
fits$hs_cor_sd <- write_case("hs_cor_sd",
  with_warnings(cfa(HS_MODEL, sample.cov = hs_cov_from_cor, sample.nobs = 301)),
  HS_MODEL,
  "HS 3-factor CFA from a correlation matrix and SDs rounded to 3 decimals (input_cor_lower.csv, input_sds.csv); sample.cov = D R D (input_cov.csv, built by getCov), sample.nobs=301, rescaled by (N-1)/N.",
  "hs_cor_sd/input_cor_lower.csv + hs_cor_sd/input_sds.csv")

# --- Bollen's political democracy model --------------------------------------
fits$demo_bollen <- write_case("demo_bollen",
  with_warnings(sem(DEMO_MODEL, data = pd)), DEMO_MODEL,
  "lavaan tutorial SEM on PoliticalDemocracy with sem() defaults; equality constraints through the labels a, b, c.",
  "political_democracy.csv")

# --- ECSI (mobile phone survey) ----------------------------------------------
res <- with_warnings(cfa(ECSI_MEASUREMENT, data = ecsi))
fits$ecsi_cfa <- write_case("ecsi_cfa", res, ECSI_MEASUREMENT,
  "ECSI measurement model by ML, Complaints = CUSCO (residual variance fixed to 0). lavaan warns that the latent covariance matrix is not positive definite; see cov_lv.csv, cor_lv.csv and cov_lv_eigenvalues.csv.",
  "sem_csat/datasets/ecsi_mobile.csv",
  extra = list(cov_lv_eigenvalues =
                 eigen(lavInspect(res$value, "cov.lv"), symmetric = TRUE)$values))
write_named(setNames(eigen(lavInspect(fits$ecsi_cfa, "cov.lv"), symmetric = TRUE)$values,
                     seq_len(7)),
            file.path(OUT, "ecsi_cfa", "cov_lv_eigenvalues.csv"), c("index", "eigenvalue"))

fits$ecsi_sem <- write_case("ecsi_sem",
  with_warnings(sem(ECSI_SEM_MODEL, data = ecsi)), ECSI_SEM_MODEL,
  "Full ECSI structural model (12 paths) by ML with sem() defaults; cov_lv/cor_lv are the model-implied latent moments.",
  "sem_csat/datasets/ecsi_mobile.csv")

# Ordinal: items declared ordered, WLSMV (DWLS estimates, robust SEs,
# mean-and-variance adjusted test), delta parameterization.  The 10-point
# items have sparse low categories; CUSCO/Complaints is left out (a single
# ordinal indicator cannot identify a factor with a free residual).
ord_items <- items_of(ECSI_ORDINAL_SUBSET)
fits$ecsi_wlsmv <- write_case("ecsi_wlsmv",
  with_warnings(cfa(ECSI_ORDINAL_SUBSET, data = ecsi, ordered = ord_items,
                    estimator = "WLSMV")),
  ECSI_ORDINAL_SUBSET,
  "ECSI subset (Expectation, Value, Satisfaction, Loyalty) with items ordered=, estimator='WLSMV'. sample_cov.csv = polychoric correlations, sample_th.csv = thresholds (lavInspect(fit, 'sampstat')).",
  "sem_csat/datasets/ecsi_mobile.csv")

ord_items_full <- items_of(ECSI_MULTI)
fits$ecsi_wlsmv_full <- write_case("ecsi_wlsmv_full",
  with_warnings(cfa(ECSI_MULTI, data = ecsi, ordered = ord_items_full,
                    estimator = "WLSMV")),
  ECSI_MULTI,
  "All six multi-item ECSI constructs (no Complaints) with items ordered=, estimator='WLSMV'. Produces warnings (vcov and latent covariance not positive definite).",
  "sem_csat/datasets/ecsi_mobile.csv")

# --- Bank survey (ECSI without complaints) ------------------------------------
fits$bank_cfa <- write_case("bank_cfa",
  with_warnings(cfa(BANK_MEASUREMENT, data = bank)), BANK_MEASUREMENT,
  "Bank survey measurement model (6 constructs, 27 items, 0-10 scale) by ML; gender is not used.",
  "sem_csat/datasets/bank_satisfaction.csv")
fits$bank_sem <- write_case("bank_sem",
  with_warnings(sem(paste0(BANK_MEASUREMENT, BANK_STRUCTURAL), data = bank)),
  paste0(BANK_MEASUREMENT, BANK_STRUCTURAL),
  "Bank survey structural model (10 paths, model_specs/ecsi_bank.yaml) by ML.",
  "sem_csat/datasets/bank_satisfaction.csv")

# --- Nested model comparison --------------------------------------------------
cmp_dir <- file.path(OUT, "hs_compare")
dir.create(cmp_dir, showWarnings = FALSE)
alt <- list(
  orth_ml = list(HS_ORTH_MODEL, "ML"), orth_mlr = list(HS_ORTH_MODEL, "MLR"),
  onefactor_ml = list(HS_1F_MODEL, "ML"), onefactor_mlr = list(HS_1F_MODEL, "MLR"))
for (nm in names(alt)) {
  fits[[paste0("hs_compare_", nm)]] <- write_case(paste0("hs_compare/", nm),
    with_warnings(cfa(alt[[nm]][[1]], data = hs, estimator = alt[[nm]][[2]])),
    alt[[nm]][[1]],
    paste0("Restricted HS model for hs_compare, estimator=", alt[[nm]][[2]], "."),
    "hs1939.csv", dir = file.path(cmp_dir, nm))
}

# lavTestLRT: for ML the ordinary chi-square difference; for MLR the default
# scaled difference test, method = "satorra.bentler.2001".
write_lrt <- function(full, restricted, name, method_label) {
  res <- with_warnings(lavTestLRT(full, restricted))
  tab <- as.data.frame(res$value, check.names = FALSE)
  tab <- cbind(model = rownames(tab), tab, stringsAsFactors = FALSE)
  write_csv17(tab, file.path(cmp_dir, paste0(name, ".csv")))
  heading <- attr(res$value, "heading")
  writeLines(c(heading, "", paste0("method: ", method_label),
               if (length(res$warnings)) c("", "warnings:", res$warnings)),
             file.path(cmp_dir, paste0(name, "_heading.txt")))
}
write_lrt(fits$hs_ml, fits$hs_compare_orth_ml, "lrt_orth_ml", "standard chi-square difference")
write_lrt(fits$hs_mlr, fits$hs_compare_orth_mlr, "lrt_orth_mlr", "satorra.bentler.2001 (default)")
write_lrt(fits$hs_ml, fits$hs_compare_onefactor_ml, "lrt_onefactor_ml", "standard chi-square difference")
write_lrt(fits$hs_mlr, fits$hs_compare_onefactor_mlr, "lrt_onefactor_mlr", "satorra.bentler.2001 (default)")

# -----------------------------------------------------------------------------
# semTools: reliability, AVE, HTMT
# -----------------------------------------------------------------------------

st_dir <- file.path(OUT, "semtools")
dir.create(st_dir, showWarnings = FALSE)
st_warnings <- character(0)
st_call <- function(label, expr) {
  r <- with_warnings(expr)
  if (length(r$warnings))
    st_warnings <<- c(st_warnings, paste0("[", label, "] ", r$warnings))
  r$value
}
long_rows <- function(values, ...) {
  data.frame(..., factor = names(values), value = as.numeric(values),
             stringsAsFactors = FALSE)
}

st_fits <- list(hs_ml = fits$hs_ml, ecsi_cfa = fits$ecsi_cfa)

# compRelSEM: omega (tau.eq=FALSE) or alpha (tau.eq=TRUE), with the observed
# (obs.var=TRUE, default) or model-implied (obs.var=FALSE) total variance of
# the unit-weighted sum in the denominator.  Single-indicator factors are
# dropped (dropSingle=TRUE).
rel <- list()
for (m in names(st_fits)) for (tau in c(FALSE, TRUE)) for (obs in c(TRUE, FALSE)) {
  v <- st_call(sprintf("compRelSEM %s tau.eq=%s obs.var=%s", m, tau, obs),
               compRelSEM(st_fits[[m]], tau.eq = tau, obs.var = obs))
  rel[[length(rel) + 1]] <- long_rows(unlist(v), model = m, tau_eq = tau, obs_var = obs)
}
write_csv17(do.call(rbind, rel), file.path(st_dir, "compRelSEM.csv"))

# AVE: mean of the squared loadings times factor variance over the item
# variances (observed with obs.var=TRUE, default; model-implied otherwise).
ave <- list()
for (m in names(st_fits)) for (obs in c(TRUE, FALSE)) {
  v <- st_call(sprintf("AVE %s obs.var=%s", m, obs), AVE(st_fits[[m]], obs.var = obs))
  ave[[length(ave) + 1]] <- long_rows(unlist(v), model = m, obs_var = obs)
}
write_csv17(do.call(rbind, ave), file.path(st_dir, "AVE.csv"))

# reliability(): deprecated in semTools 0.5-6 but still present; rows alpha,
# omega, omega2, omega3, avevar.
if (exists("reliability", where = asNamespace("semTools"), inherits = FALSE)) {
  relo <- list()
  for (m in names(st_fits)) {
    v <- st_call(paste("reliability", m), reliability(st_fits[[m]]))
    for (coef in rownames(v))
      relo[[length(relo) + 1]] <- long_rows(v[coef, ], model = m, coefficient = coef)
  }
  write_csv17(do.call(rbind, relo), file.path(st_dir, "reliability.csv"))
}

# Cronbach's alpha by the textbook formula on the raw data, for comparison with
# compRelSEM(tau.eq=TRUE, obs.var=TRUE) (alpha is invariant to the N vs N-1
# divisor).
alpha_raw <- function(x) {
  S <- cov(x); k <- ncol(S)
  k / (k - 1) * (1 - sum(diag(S)) / sum(S))
}
alpha_rows <- list()
for (m in list(list("hs_ml", HS_MODEL, hs), list("ecsi_cfa", ECSI_MULTI, ecsi))) {
  pt <- lavaanify(m[[2]])
  lvs <- unique(pt$lhs[pt$op == "=~"])
  v <- sapply(lvs, function(f) alpha_raw(m[[3]][, pt$rhs[pt$op == "=~" & pt$lhs == f]]))
  alpha_rows[[length(alpha_rows) + 1]] <- long_rows(v, model = m[[1]])
}
write_csv17(do.call(rbind, alpha_rows), file.path(st_dir, "alpha_raw.csv"))

# HTMT from the item correlations (absolute=TRUE default): htmt2=FALSE is the
# arithmetic-mean HTMT of Henseler et al. (2015), htmt2=TRUE the geometric-mean
# HTMT2 of Roemer et al. (2021).  For ECSI it is computed on the six
# multi-item constructs and, separately, with the single-item Complaints
# construct included (its row/column are NaN: no monotrait correlations).
htmt_cases <- list(
  hs = list(HS_MODEL, hs),
  ecsi = list(ECSI_MULTI, ecsi),
  ecsi_with_complaints = list(paste0(ECSI_MULTI, "Complaints =~ CUSCO\n"), ecsi))
for (nm in names(htmt_cases)) for (h2 in c(FALSE, TRUE)) {
  v <- st_call(sprintf("htmt %s htmt2=%s", nm, h2),
               htmt(htmt_cases[[nm]][[1]], data = htmt_cases[[nm]][[2]], htmt2 = h2))
  write_matrix(as.matrix(v), file.path(st_dir,
    sprintf("htmt_%s_%s.csv", nm, if (h2) "htmt2" else "htmt")))
}

write_warnings(st_warnings, file.path(st_dir, "warnings.txt"))
write_json(list(versions = VERSIONS,
                fits = list(hs_ml = "hs_ml (cfa, ML)", ecsi_cfa = "ecsi_cfa (cfa, ML)"),
                warnings = as.list(st_warnings)),
           file.path(st_dir, "info.json"))

write_json(VERSIONS, file.path(OUT, "versions.json"))
cat("done:", OUT, "\n")

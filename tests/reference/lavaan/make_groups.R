#!/usr/bin/env Rscript
# =============================================================================
# lavaan 0.6-14 / semTools 0.5-6 reference cases for multi-group CB-SEM and
# measurement invariance (issue 14): the invariance ladder configural ->
# metric -> scalar -> strict (plus partial scalar invariance) by ML and MLR,
# lavTestLRT tables (Satorra-Bentler 2001 scaled differences for MLR),
# semTools::compareFit tables and latent means at the scalar level.
#
# Run from the repository root:
#
#     Rscript tests/reference/lavaan/make_groups.R
#
# Needs R with lavaan and semTools only.  Writes the folders mg_hs_school/,
# mg_bank_gender/, mg_bank_gender_full/ and mg_hs_fiml/ under
# tests/reference/lavaan/ (see README.md, "Multi-group cases").
# Deterministic: a rerun reproduces every file byte for byte.
# =============================================================================

script_dir <- local({
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f) == 1) dirname(normalizePath(f)) else "tests/reference/lavaan"
})
OUT <- script_dir
REPO <- normalizePath(file.path(OUT, "..", "..", ".."))
DATASETS <- file.path(REPO, "sem_csat", "datasets")
source(file.path(OUT, "ref_common.R"))

hs <- read.csv(file.path(OUT, "hs1939.csv"))
hs_missing <- read.csv(file.path(OUT, "hs1939_missing.csv"))
bank <- read.csv(file.path(DATASETS, "bank_satisfaction.csv"))
BANK_CSV <- "sem_csat/datasets/bank_satisfaction.csv"

HS_MODEL <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"

# The full ECSI bank SEM (model_specs/ecsi_bank.yaml).  By gender lavaan
# converges at every level but reports a negative latent (disturbance)
# variance at every level, so it is kept as documentation of lavaan's
# behaviour (mg_bank_gender_full) ...
BANK_SEM <- "
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT
"
# ... and the main bank case is the ECSI bank SEM without the quality block
# (QUAL is near-collinear with EXPE), whose solution is proper in both groups
# at every level.
BANK_SEM5 <- "
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
EXPE ~ IMAG
VAL  ~ EXPE
SAT  ~ IMAG + EXPE + VAL
LOY  ~ IMAG + SAT
"

# Invariance levels: lavaan's group.equal for each.
LEVELS <- list(
  configural = "",
  metric = "loadings",
  scalar = c("loadings", "intercepts"),
  strict = c("loadings", "intercepts", "residuals"))

# Fit measures copied beside each lavTestLRT row.
LRT_FIT_ML <- c("npar", "chisq", "df", "pvalue", "cfi", "tli", "rmsea",
                "rmsea.ci.lower", "rmsea.ci.upper", "srmr", "aic", "bic")
LRT_FIT_ROBUST <- c(LRT_FIT_ML, "chisq.scaled", "df.scaled", "pvalue.scaled",
                    "chisq.scaling.factor", "cfi.scaled", "tli.scaled", "rmsea.scaled",
                    "cfi.robust", "tli.robust", "rmsea.robust", "rmsea.ci.lower.robust",
                    "rmsea.ci.upper.robust")

# One invariance ladder: `fits` is a named list of lavaan fits in ladder
# order.  Writes <name>.csv (lavTestLRT rows + fit measures per level),
# <name>_heading.txt, and semTools::compareFit's full fit table and its
# differences (each row minus the previous one).
write_ladder <- function(fits, name, dir, robust) {
  method <- if (robust) "satorra.bentler.2001" else "default"
  args <- c(unname(fits), list(model.names = names(fits)))
  if (robust) args$method <- "satorra.bentler.2001"
  res <- with_warnings(do.call(lavTestLRT, args))
  tab <- as.data.frame(res$value, check.names = FALSE)
  tab <- cbind(model = rownames(tab), tab, stringsAsFactors = FALSE)
  measures <- if (robust) LRT_FIT_ROBUST else LRT_FIT_ML
  fm <- t(vapply(fits[tab$model], function(f) fitMeasures(f, measures), numeric(length(measures))))
  tab <- cbind(tab, as.data.frame(fm, check.names = FALSE))
  write_csv17(tab, file.path(dir, paste0(name, ".csv")))
  writeLines(c(attr(res$value, "heading"), "", paste0("method: ", method),
               if (length(res$warnings)) c("", "warnings:", res$warnings)),
             file.path(dir, paste0(name, "_heading.txt")))

  cf <- with_warnings(do.call(compareFit, c(fits, list(nested = TRUE))))
  fit_tab <- cbind(model = rownames(cf$value@fit), cf$value@fit, stringsAsFactors = FALSE)
  write_csv17(fit_tab, file.path(dir, paste0(name, "_comparefit_fit.csv")))
  diff_tab <- cbind(comparison = rownames(cf$value@fit.diff), cf$value@fit.diff,
                    stringsAsFactors = FALSE)
  write_csv17(diff_tab, file.path(dir, paste0(name, "_comparefit_diff.csv")))
  invisible(tab)
}

# Latent means (op "~1" on a latent variable) of the given fits, every
# group; group 1's are fixed to 0, so group k's estimate is the latent mean
# difference group k - group 1 with its SE, z and p.
write_latent_means <- function(fits, path) {
  rows <- list()
  for (nm in names(fits)) {
    fit <- fits[[nm]]
    pe <- param_table(fit)
    lvs <- lavNames(fit, "lv")
    sel <- pe$op == "~1" & pe$lhs %in% lvs
    rows[[nm]] <- cbind(model = nm, pe[sel, c("lhs", "group", "group.label", "est", "se", "z",
                                              "pvalue", "ci.lower", "ci.upper", "std.lv",
                                              "std.all")],
                        stringsAsFactors = FALSE)
  }
  write_csv17(do.call(rbind, rows), path)
}

# Fit one ladder (plus extra named levels) under one estimator and write the
# case folders, the LRT tables and the latent means.
run_ladder <- function(set, model, data, data_file, group, estimator, levels,
                       partial = NULL, missing = "listwise", what) {
  dir <- file.path(OUT, set)
  dir.create(dir, showWarnings = FALSE)
  est_tag <- tolower(estimator)
  fits <- list()
  for (lv in names(levels)) {
    ge <- levels[[lv]]
    gp <- if (!is.null(partial) && lv %in% names(partial)) partial[[lv]] else ""
    case <- paste0(lv, "_", est_tag)
    fits[[lv]] <- fit_case(paste0(set, "/", case),
      sem(model, data = data, group = group, group.equal = ge, group.partial = gp,
          estimator = estimator, missing = missing),
      model,
      paste0(what, " by ", group, ", level '", lv, "': group.equal = ",
             if (identical(ge, "")) "none" else paste(ge, collapse = " + "),
             if (!identical(gp, "")) paste0(", group.partial = ", paste(gp, collapse = ", ")) else "",
             ", estimator='", estimator, "'", if (missing == "fiml") ", missing='fiml'" else "",
             ". sem() with group= switches the mean structure on; from the scalar level on, the ",
             "latent means of the groups after the first are free."),
      data_file, dir = file.path(dir, case), fiml = missing == "fiml",
      extra = list(group_var = group, level = lv,
                   group_equal = if (identical(ge, "")) list() else ge,
                   group_partial = if (identical(gp, "")) list() else gp))
  }
  fits
}

ladder_tables <- function(set, fits, estimator, ladder_names, partial_names = NULL) {
  dir <- file.path(OUT, set)
  robust <- estimator == "MLR"
  tag <- tolower(estimator)
  write_ladder(fits[ladder_names], paste0("lrt_", tag), dir, robust)
  if (!is.null(partial_names))
    write_ladder(fits[partial_names], paste0("lrt_partial_", tag), dir, robust)
  mean_levels <- intersect(c("scalar", "scalar_partial", "strict"), names(fits))
  if (length(mean_levels))
    write_latent_means(fits[mean_levels], file.path(dir, paste0("latent_means_", tag, ".csv")))
}

# =============================================================================
# Holzinger-Swineford CFA by school (Pasteur, Grant-White)
# =============================================================================

HS_LEVELS <- c(LEVELS, list(scalar_partial = c("loadings", "intercepts")))
HS_PARTIAL <- list(scalar_partial = c("x3~1", "x7~1"))
for (est in c("ML", "MLR")) {
  fits <- run_ladder("mg_hs_school", HS_MODEL, hs, "hs1939.csv", "school", est,
                     HS_LEVELS, partial = HS_PARTIAL, what = "HS 3-factor CFA")
  ladder_tables("mg_hs_school", fits, est, names(LEVELS),
                c("configural", "metric", "scalar_partial"))
}

# =============================================================================
# Bank survey by gender (male, female: lavaan's order of first appearance)
# =============================================================================

for (est in c("ML", "MLR")) {
  fits <- run_ladder("mg_bank_gender", BANK_SEM5, bank, BANK_CSV, "gender", est, LEVELS,
                     what = "ECSI bank SEM without QUAL (5 constructs, 23 items, 7 paths)")
  ladder_tables("mg_bank_gender", fits, est, names(LEVELS))
}
for (est in c("ML", "MLR")) {
  fits <- run_ladder("mg_bank_gender_full", BANK_SEM, bank, BANK_CSV, "gender", est, LEVELS,
                     what = "Full ECSI bank SEM (6 constructs, 27 items, 10 paths)")
  ladder_tables("mg_bank_gender_full", fits, est, names(LEVELS))
}

# =============================================================================
# FIML: HS CFA on hs1939_missing.csv by school, configural and metric
# =============================================================================

for (est in c("ML", "MLR")) {
  fits <- run_ladder("mg_hs_fiml", HS_MODEL, hs_missing, "hs1939_missing.csv", "school", est,
                     LEVELS[c("configural", "metric")], missing = "fiml",
                     what = "HS 3-factor CFA on hs1939_missing.csv (FIML)")
  ladder_tables("mg_hs_fiml", fits, est, c("configural", "metric"))
}

cat("done:", OUT, "\n")

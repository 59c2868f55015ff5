#!/usr/bin/env Rscript
# =============================================================================
# lavaan 0.6-14 reference cases for the CB-SEM rebuild (issue 12): a
# single-indicator construct, GLS/ULS/MLR on the near-collinear ECSI bank SEM,
# FIML and WLSMV on the bank survey, defined parameters (:=), equality
# constraints (==), second-order factors, modification indices, mean
# structures and std.lv.
#
# Run from the repository root:
#
#     Rscript tests/reference/lavaan/make_rebuild.R
#
# Needs R with lavaan and semTools only.  Writes one folder per case into
# tests/reference/lavaan/ (file layout: README.md, "Per-case folder"; this
# script adds modindices.csv and partable.csv to every case) and the data
# files bank_satisfaction_m99.csv, bank_satisfaction_missing.csv and
# bank_satisfaction_ordinal5.csv.  Deterministic: a rerun with the same
# versions reproduces every file byte for byte.  Takes about 2-3 minutes (the
# FIML fits of the 27-item bank model dominate).
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
pd <- read.csv(file.path(OUT, "political_democracy.csv"))
bank <- read.csv(file.path(DATASETS, "bank_satisfaction.csv"))
BANK_ITEMS <- names(bank)[1:27]
BANK_CSV <- "sem_csat/datasets/bank_satisfaction.csv"

# -----------------------------------------------------------------------------
# Models
# -----------------------------------------------------------------------------

HS_MODEL <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"

# The ECSI bank model of model_specs/ecsi_bank.yaml, translated by hand.
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
BANK_SEM <- paste0(BANK_MEASUREMENT, BANK_STRUCTURAL)

# Textbook model: two correlated 3-item exogenous constructs (quality, value),
# a single-item satisfaction construct and a 3-item loyalty construct.
# lavaan's auto.fix.single fixes the residual variance of sat1 to 0, so SAT is
# sat1 itself.
TEXTBOOK <- "
QUAL =~ qual1 + qual2 + qual3
VAL  =~ val1 + val2 + val3
SAT  =~ sat1
LOY  =~ loy1 + loy2 + loy3
SAT ~ QUAL + VAL
LOY ~ QUAL + VAL + SAT
"
TEXTBOOK_ITEMS <- c("qual1", "qual2", "qual3", "val1", "val2", "val3", "sat1",
                    "loy1", "loy2", "loy3")

fits <- list()

# =============================================================================
# 1. Textbook model with a single-indicator construct
# =============================================================================

for (est in c("ML", "GLS", "ULS", "MLR")) {
  case <- if (est == "ML") "textbook_single" else paste0("textbook_single_", tolower(est))
  fits[[case]] <- fit_case(case,
    sem(TEXTBOOK, data = bank, estimator = est), TEXTBOOK,
    paste0("Bank survey textbook SEM: QUAL (qual1-3) and VAL (val1-3) correlated exogenous, ",
           "single-item SAT (sat1; loading 1, residual variance fixed to 0 by lavaan's ",
           "auto.fix.single), LOY (loy1-3); QUAL, VAL -> SAT, LOY; SAT -> LOY. sem() defaults, ",
           "estimator='", est, "'."),
    BANK_CSV)
}

# The same data with the code -99 ("no answer") written into 3 % of the 6750
# item cells (round(0.03 * 250 * 27) = 202 cells, gender untouched), drawn
# with sample.int(6750, 202) after set.seed(2028), column-major cell order.
fix_rng(2028)
bank_m99 <- bank
m <- as.matrix(bank[, BANK_ITEMS])
n_m99 <- round(0.03 * length(m))
m[sample.int(length(m), n_m99)] <- -99L
bank_m99[, BANK_ITEMS] <- m
write_csv17(bank_m99, file.path(OUT, "bank_satisfaction_m99.csv"))

# lavaan is given the file with -99 read as NA; missing = "listwise" (the
# default) then drops every row with an NA in one of the ten model items.
bank_m99_na <- read.csv(file.path(OUT, "bank_satisfaction_m99.csv"), na.strings = "-99")
res <- with_warnings(sem(TEXTBOOK, data = bank_m99_na))
used <- lavInspect(res$value, "case.idx")
dropped <- setdiff(seq_len(nrow(bank)), used)
fits$textbook_single_na <- write_case("textbook_single_na", res, TEXTBOOK,
  paste0("textbook_single on bank_satisfaction_m99.csv (-99 = missing, read as NA), ",
         "missing='listwise' (default): rows with -99 in any of the ten model items are ",
         "dropped (listwise_dropped_rows, 1-based data rows)."),
  "bank_satisfaction_m99.csv",
  extra = list(missing_code = -99, n_code_cells = n_m99, code_seed = 2028,
               n_code_cells_model_items = sum(bank_m99[, TEXTBOOK_ITEMS] == -99),
               listwise_used_rows_n = length(used),
               listwise_dropped_rows = dropped))

# =============================================================================
# 2. The ECSI bank SEM by GLS, ULS and MLR (bank_sem, ML, is in make_reference.R)
# =============================================================================

for (est in c("GLS", "ULS", "MLR")) {
  case <- paste0("bank_sem_", tolower(est))
  fits[[case]] <- fit_case(case,
    sem(BANK_SEM, data = bank, estimator = est), BANK_SEM,
    paste0("ECSI bank SEM (model_specs/ecsi_bank.yaml: 6 constructs, 27 items, 10 paths) ",
           "by estimator='", est, "', sem() defaults. Near-collinear constructs."),
    BANK_CSV)
}

# =============================================================================
# 3. FIML on the bank survey with 10 % of the item cells missing (MCAR)
# =============================================================================

# round(0.10 * 250 * 27) = 675 of the 6750 item cells set to NA, drawn with
# sample.int(6750, 675) after set.seed(2027), column-major cell order; gender
# untouched.  No row is completely empty.
fix_rng(2027)
bank_missing <- bank
m <- as.matrix(bank[, BANK_ITEMS])
n_missing <- round(0.10 * length(m))
m[sample.int(length(m), n_missing)] <- NA
bank_missing[, BANK_ITEMS] <- m
stopifnot(all(rowSums(!is.na(m)) > 0))
write_csv17(bank_missing, file.path(OUT, "bank_satisfaction_missing.csv"))

# lavaan's internals of the missing-data-corrected robust CFI/TLI/RMSEA
# (Zhang & Savalei 2023): version V3 for MLR, V6 for ML, as fitMeasures()
# chooses them in lavaan 0.6-14 (see make_fiml_corrected.R).
write_fiml_corrected <- function(fit, version, dir) {
  r <- lavaan:::lav_fit_fiml_corrected(fit, version = version)
  write_csv17(data.frame(quantity = names(r), value = as.numeric(unlist(r)),
                         stringsAsFactors = FALSE),
              file.path(dir, "fiml_corrected.csv"))
}
fiml_models <- list(bank_fiml = BANK_SEM, bank_fiml_cfa = BANK_MEASUREMENT)
for (nm in names(fiml_models)) for (est in c("ML", "MLR")) {
  case <- paste0(nm, "_", tolower(est))
  model <- fiml_models[[nm]]
  fit <- fit_case(case,
    sem(model, data = bank_missing, missing = "fiml", estimator = est), model,
    paste0(if (nm == "bank_fiml") "ECSI bank SEM" else "ECSI bank measurement model (CFA)",
           " on bank_satisfaction_missing.csv (10 % of item cells NA, MCAR), ",
           "missing='fiml', estimator='", est, "' (mean structure added automatically). ",
           "sample_cov/sample_mean are the EM (h1) estimates; fiml_corrected.csv holds lavaan's ",
           "internals of the robust CFI/TLI/RMSEA (lav_fit_fiml_corrected, version ",
           if (est == "MLR") "V3" else "V6", ")."),
    "bank_satisfaction_missing.csv",
    extra = list(n_missing_cells = n_missing, missing_seed = 2027), fiml = TRUE)
  write_fiml_corrected(fit, if (est == "MLR") "V3" else "V6", file.path(OUT, case))
  fits[[case]] <- fit
}

# =============================================================================
# 4. WLSMV on the bank items recoded to 5 ordered categories
# =============================================================================

# Recoding of the 0-10 answers: 0-2 -> 1, 3-4 -> 2, 5-6 -> 3, 7-8 -> 4,
# 9-10 -> 5 (gender untouched).  imag4 (observed 3-10) has only 4 categories.
recode5 <- function(x) as.integer(cut(x, breaks = c(-1, 2, 4, 6, 8, 10), labels = FALSE))
bank_ord <- bank
for (v in BANK_ITEMS) bank_ord[[v]] <- recode5(bank[[v]])
write_csv17(bank_ord, file.path(OUT, "bank_satisfaction_ordinal5.csv"))
n_categories <- vapply(bank_ord[, BANK_ITEMS], function(x) length(unique(x)), integer(1))

fits$bank_wlsmv27 <- fit_case("bank_wlsmv27",
  sem(BANK_SEM, data = bank_ord, ordered = BANK_ITEMS, estimator = "WLSMV"), BANK_SEM,
  paste0("ECSI bank SEM (27 items, 10 paths) on bank_satisfaction_ordinal5.csv with every item ",
         "ordered=, estimator='WLSMV' (DWLS estimates, robust.sem SEs, scaled.shifted test, delta ",
         "parameterization). sample_cov.csv = polychoric correlations, sample_th.csv = thresholds."),
  "bank_satisfaction_ordinal5.csv",
  extra = list(recoding = "0-2 -> 1, 3-4 -> 2, 5-6 -> 3, 7-8 -> 4, 9-10 -> 5",
               n_categories = as.list(n_categories)))

# 17 items, 4 constructs (quality 5, value 4, satisfaction 4, loyalty 4) and
# 5 paths: 22 structural/measurement parameters + 68 thresholds = 90.
WLSMV17 <- "
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
VAL ~ QUAL
SAT ~ QUAL + VAL
LOY ~ VAL + SAT
"
items17 <- lavNames(lavaanify(WLSMV17), "ov")
fits$wlsmv17 <- fit_case("wlsmv17",
  sem(WLSMV17, data = bank_ord, ordered = items17, estimator = "WLSMV"), WLSMV17,
  paste0("17-item bank SEM (QUAL 5, VAL 4, SAT 4, LOY 4 items; VAL ~ QUAL, SAT ~ QUAL + VAL, ",
         "LOY ~ VAL + SAT) on bank_satisfaction_ordinal5.csv, items ordered=, estimator='WLSMV'. ",
         "npar counts the 68 thresholds."),
  "bank_satisfaction_ordinal5.csv",
  extra = list(recoding = "0-2 -> 1, 3-4 -> 2, 5-6 -> 3, 7-8 -> 4, 9-10 -> 5"))

# =============================================================================
# 5. Defined parameters (:=), delta-method standard errors
# =============================================================================

# Mediation on Bollen's political democracy data: ind60 -> dem60 -> dem65
# with the direct path ind60 -> dem65 (the tutorial's residual covariances,
# no equality constraints on the loadings).
DEFINED_PD <- "
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + y2 + y3 + y4
dem65 =~ y5 + y6 + y7 + y8
dem60 ~ a*ind60
dem65 ~ c*ind60 + b*dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
ind  := a*b
tot  := c + a*b
prop := a*b/(c + a*b)
"
for (est in c("ML", "MLR")) {
  case <- paste0("defined_", tolower(est))
  fits[[case]] <- fit_case(case,
    sem(DEFINED_PD, data = pd, estimator = est), DEFINED_PD,
    paste0("Mediation ind60 -> dem60 -> dem65 (political_democracy.csv) with labels a, b, c and ",
           "defined parameters ind := a*b, tot := c + a*b, prop := a*b/(c + a*b); ",
           "estimator='", est, "'. The := rows carry delta-method SEs, z, p and Wald CIs."),
    "political_democracy.csv")
}

# The same construction on the bank survey: VAL -> SAT -> LOY.
DEFINED_BANK <- "
VAL =~ val1 + val2 + val3 + val4
SAT =~ sat1 + sat2 + sat3 + sat4
LOY =~ loy1 + loy2 + loy3 + loy4
SAT ~ a*VAL
LOY ~ c*VAL + b*SAT
ind  := a*b
tot  := c + a*b
prop := a*b/(c + a*b)
"
for (est in c("ML", "MLR")) {
  case <- paste0("defined_bank_", tolower(est))
  fits[[case]] <- fit_case(case,
    sem(DEFINED_BANK, data = bank, estimator = est), DEFINED_BANK,
    paste0("Mediation VAL -> SAT -> LOY on the bank survey with ind := a*b, tot := c + a*b, ",
           "prop := a*b/(c + a*b); estimator='", est, "'."),
    BANK_CSV)
}

# =============================================================================
# 6. Linear equality constraints (==)
# =============================================================================

EQUALITY_AB <- paste0(sub("visual  =~ x1 + x2 + x3", "visual  =~ x1 + a*x2 + b*x3", HS_MODEL,
                          fixed = TRUE), "a == b\n")
fits$equality_ab <- fit_case("equality_ab",
  cfa(EQUALITY_AB, data = hs), EQUALITY_AB,
  "HS 3-factor CFA with the loadings of x2 (a) and x3 (b) constrained by a == b; ML. The == row is in partable.csv (parameterEstimates() leaves it out).",
  "hs1939.csv")

EQUALITY_2B <- paste0(HS_MODEL, "x2 ~~ a*x2\nx1 ~~ b*x1\na == 2*b\n")
fits$equality_2b <- fit_case("equality_2b",
  cfa(EQUALITY_2B, data = hs), EQUALITY_2B,
  "HS 3-factor CFA with the residual variance of x2 (a) equal to twice that of x1 (b): a == 2*b; ML.",
  "hs1939.csv")

# =============================================================================
# 7. Second-order factors
# =============================================================================

SECOND_HS <- paste0(HS_MODEL, "g =~ visual + textual + speed\n")
for (est in c("ML", "MLR")) {
  case <- paste0("second_order_hs_", tolower(est))
  fits[[case]] <- fit_case(case,
    cfa(SECOND_HS, data = hs, estimator = est), SECOND_HS,
    paste0("HS second-order CFA: g =~ visual + textual + speed over the three first-order ",
           "factors (marker identification at both levels); estimator='", est, "'. With three ",
           "first-order factors the second-order part is just identified, so the fit equals hs_ml."),
    "hs1939.csv")
}

# Relationship-quality-style model: RQ over item-level QUAL, VAL and SAT,
# RQ -> LOY.
SECOND_BANK <- "
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
RQ   =~ QUAL + VAL + SAT
LOY  ~ RQ
"
for (est in c("ML", "MLR")) {
  case <- paste0("second_order_bank_", tolower(est))
  fits[[case]] <- fit_case(case,
    sem(SECOND_BANK, data = bank, estimator = est), SECOND_BANK,
    paste0("Bank survey second-order model RQ =~ QUAL + VAL + SAT (first-order factors on their ",
           "items), LOY (loy1-4) ~ RQ; estimator='", est, "'."),
    BANK_CSV)
}

# lavaan reports a negative residual variance of VAL in that model (a Heywood
# case, kept as lavaan's behaviour).  A variant whose solution is proper:
# RQ =~ IMAG + QUAL + SAT.
SECOND_BANK2 <- "
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
RQ   =~ IMAG + QUAL + SAT
LOY  ~ RQ
"
for (est in c("ML", "MLR")) {
  case <- paste0("second_order_bank2_", tolower(est))
  fits[[case]] <- fit_case(case,
    sem(SECOND_BANK2, data = bank, estimator = est), SECOND_BANK2,
    paste0("Bank survey second-order model RQ =~ IMAG + QUAL + SAT (first-order factors on ",
           "their items), LOY (loy1-4) ~ RQ; estimator='", est, "'. Proper solution."),
    BANK_CSV)
}

# =============================================================================
# 8. Modification indices of the HS CFA under four estimators
# =============================================================================

# The same fits as hs_ml, hs_mlr, hs_gls and hs_uls (make_reference.R), in new
# folders that add modindices.csv and partable.csv.
for (est in c("ML", "MLR", "GLS", "ULS")) {
  case <- paste0("mi_hs_", tolower(est))
  fits[[case]] <- fit_case(case,
    cfa(HS_MODEL, data = hs, estimator = est), HS_MODEL,
    paste0("HS 3-factor CFA, estimator='", est, "' (same fit as hs_", tolower(est),
           "), with modindices(fit, sort.=FALSE, minimum.value=0) in modindices.csv."),
    "hs1939.csv")
}

# =============================================================================
# 9. Mean structures
# =============================================================================

fits$means_hs <- fit_case("means_hs",
  cfa(HS_MODEL, data = hs, meanstructure = TRUE), HS_MODEL,
  "HS 3-factor CFA with meanstructure=TRUE: free intercepts of x1-x9, latent means fixed to 0; ML. Estimates and chi-square equal hs_ml, the intercepts equal the sample means.",
  "hs1939.csv")

# Explicit intercept syntax: x1 ~ 1 (switches the mean structure on), a
# labelled intercept and a latent mean fixed to a non-zero value.
MEANS_EXPLICIT <- paste0(HS_MODEL, "x1 ~ 1\nx2 ~ i2*1\nspeed ~ 0.5*1\n")
fits$means_explicit <- fit_case("means_explicit",
  cfa(MEANS_EXPLICIT, data = hs), MEANS_EXPLICIT,
  "HS 3-factor CFA with x1 ~ 1, a labelled intercept x2 ~ i2*1 and the latent mean of speed fixed to 0.5 (speed ~ 0.5*1); the remaining intercepts are added free and the other latent means fixed to 0; ML.",
  "hs1939.csv")

# A free latent mean identified by fixing the marker's intercept to 0, and
# two intercepts held equal through a shared label.
MEANS_FREE_LV <- paste0(HS_MODEL, "x4 ~ 0*1\ntextual ~ 1\nx5 ~ t*1\nx6 ~ t*1\n")
fits$means_free_lv <- fit_case("means_free_lv",
  cfa(MEANS_FREE_LV, data = hs), MEANS_FREE_LV,
  "HS 3-factor CFA with a mean structure: intercept of x4 fixed to 0 and the latent mean of textual free (textual ~ 1), intercepts of x5 and x6 equal (shared label t); ML.",
  "hs1939.csv")

# =============================================================================
# 10. std.lv identification
# =============================================================================

fits$std_lv <- fit_case("std_lv",
  cfa(HS_MODEL, data = hs, std.lv = TRUE), HS_MODEL,
  "HS 3-factor CFA with std.lv=TRUE: latent variances fixed to 1, every loading free; ML. Same fit as hs_ml.",
  "hs1939.csv")

cat("done:", OUT, "\n")

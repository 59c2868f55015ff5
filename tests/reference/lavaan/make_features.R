#!/usr/bin/env Rscript
# =============================================================================
# lavaan 0.6-14 reference cases for the CB-SEM spec features of issue 12,
# milestone 3, beyond those of make_rebuild.R:
#
#   rq_hoc_sim.csv             data simulated from the bundled spec
#                              relationship_quality_hoc (no bundled data set has
#                              its items): lavaan::simulateData() from the
#                              population model below, N = 400, seed 2031, then
#                              made 7-point answers as the spec declares them
#                              (4 + x rounded, kept within 1..7);
#   rq_hoc_ml, rq_hoc_mlr      that spec (a second-order construct over three
#                              dimensions, two outcomes) fitted by ML and MLR;
#   means_free_lv_gls,         the means_free_lv model (make_rebuild.R) by GLS
#   means_free_lv_uls          and ULS: the mean terms of the least-squares
#                              discrepancy functions;
#   means_cov                  the means_explicit model fitted to a covariance
#                              matrix with means (sample.cov, sample.mean,
#                              sample.nobs): input_cov.csv, input_mean.csv.
#
# Run from the repository root:
#
#     Rscript tests/reference/lavaan/make_features.R
#
# Same files per case as make_rebuild.R (ref_common.R's write_case).  Takes a few
# seconds; a rerun reproduces every file byte for byte.
# =============================================================================

script_dir <- local({
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f) == 1) dirname(normalizePath(f)) else "tests/reference/lavaan"
})
OUT <- script_dir
source(file.path(OUT, "ref_common.R"))

hs <- read.csv(file.path(OUT, "hs1939.csv"))

# -----------------------------------------------------------------------------
# Relationship quality as a second-order construct (model_specs/
# relationship_quality_hoc.yaml), on simulated data.
# -----------------------------------------------------------------------------

RQ_HOC <- "
Trust =~ TRU1 + TRU2 + TRU3
Commitment =~ COM1 + COM2 + COM3
Satisfaction =~ SAT1 + SAT2 + SAT3
RelationshipQuality =~ Trust + Commitment + Satisfaction
Loyalty =~ LOY1 + LOY2 + LOY3
WOM =~ WOM1 + WOM2 + WOM3
Loyalty ~ RelationshipQuality
WOM ~ RelationshipQuality
"
RQ_POPULATION <- "
Trust =~ 1*TRU1 + 0.9*TRU2 + 0.8*TRU3
Commitment =~ 1*COM1 + 0.85*COM2 + 0.75*COM3
Satisfaction =~ 1*SAT1 + 0.95*SAT2 + 0.8*SAT3
RelationshipQuality =~ 0.8*Trust + 0.7*Commitment + 0.75*Satisfaction
Loyalty =~ 1*LOY1 + 0.9*LOY2 + 0.85*LOY3
WOM =~ 1*WOM1 + 0.8*WOM2 + 0.9*WOM3
Loyalty ~ 0.6*RelationshipQuality
WOM ~ 0.5*RelationshipQuality
Loyalty ~~ 0.3*WOM
TRU1 ~~ 0.5*TRU1
TRU2 ~~ 0.6*TRU2
TRU3 ~~ 0.7*TRU3
COM1 ~~ 0.5*COM1
COM2 ~~ 0.6*COM2
COM3 ~~ 0.7*COM3
SAT1 ~~ 0.4*SAT1
SAT2 ~~ 0.5*SAT2
SAT3 ~~ 0.6*SAT3
LOY1 ~~ 0.5*LOY1
LOY2 ~~ 0.6*LOY2
LOY3 ~~ 0.6*LOY3
WOM1 ~~ 0.5*WOM1
WOM2 ~~ 0.7*WOM2
WOM3 ~~ 0.6*WOM3
Trust ~~ 0.36*Trust
Commitment ~~ 0.51*Commitment
Satisfaction ~~ 0.44*Satisfaction
RelationshipQuality ~~ 1*RelationshipQuality
Loyalty ~~ 0.64*Loyalty
WOM ~~ 0.75*WOM
"
fix_rng(2031)
rq <- simulateData(RQ_POPULATION, sample.nobs = 400, seed = 2031)
rq <- rq[, c("TRU1", "TRU2", "TRU3", "COM1", "COM2", "COM3", "SAT1", "SAT2", "SAT3",
             "LOY1", "LOY2", "LOY3", "WOM1", "WOM2", "WOM3")]
rq[] <- lapply(rq, function(x) as.integer(pmin(pmax(round(4 + x), 1), 7)))
write_csv17(rq, file.path(OUT, "rq_hoc_sim.csv"))
rq <- read.csv(file.path(OUT, "rq_hoc_sim.csv"))

for (est in c("ML", "MLR")) {
  case <- paste0("rq_hoc_", tolower(est))
  fit_case(case,
    sem(RQ_HOC, data = rq, estimator = est), RQ_HOC,
    paste0("The bundled spec relationship_quality_hoc (RelationshipQuality =~ Trust + ",
           "Commitment + Satisfaction; Loyalty and WOM regressed on it) on rq_hoc_sim.csv, ",
           "data simulated from a population model with simulateData(seed = 2031); ",
           "estimator='", est, "'."),
    "rq_hoc_sim.csv")
}

# -----------------------------------------------------------------------------
# Mean structures by GLS and ULS.
# -----------------------------------------------------------------------------

HS_MODEL <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
MEANS_FREE_LV <- paste0(HS_MODEL, "x4 ~ 0*1\ntextual ~ 1\nx5 ~ t*1\nx6 ~ t*1\n")
for (est in c("GLS", "ULS")) {
  case <- paste0("means_free_lv_", tolower(est))
  fit_case(case,
    cfa(MEANS_FREE_LV, data = hs, estimator = est), MEANS_FREE_LV,
    paste0("means_free_lv (x4 ~ 0*1, a free mean of textual, x5 and x6 with equal ",
           "intercepts) by estimator='", est, "'."),
    "hs1939.csv")
}

# -----------------------------------------------------------------------------
# A mean structure fitted to a covariance matrix with means.
# -----------------------------------------------------------------------------

MEANS_EXPLICIT <- paste0(HS_MODEL, "x1 ~ 1\nx2 ~ i2*1\nspeed ~ 0.5*1\n")
items <- paste0("x", 1:9)
S <- cov(hs[, items])
M <- colMeans(hs[, items])
dir.create(file.path(OUT, "means_cov"), showWarnings = FALSE)
write_matrix(S, file.path(OUT, "means_cov", "input_cov.csv"))
write_named(M, file.path(OUT, "means_cov", "input_mean.csv"), c("variable", "value"))
fit_case("means_cov",
  cfa(MEANS_EXPLICIT, sample.cov = S, sample.mean = M, sample.nobs = nrow(hs)),
  MEANS_EXPLICIT,
  paste0("means_explicit fitted to sample.cov = cov(x1..x9) (input_cov.csv, divisor N - 1) ",
         "with sample.mean (input_mean.csv) and sample.nobs = 301; ML. Equals means_explicit."),
  NULL)

#!/usr/bin/env Rscript
# =============================================================================
# Held-out lavaan 0.6-14 cases: models and data that the other reference
# scripts do not hold, to find where sem_csat's CB-SEM engine departs from
# lavaan's conventions (defaults, scaling, N vs N-1, standardization, which
# rows exist, names).
#
# Run from the repository root:
#
#     Rscript tests/reference/lavaan/make_heldout.R
#
# Needs R with lavaan and semTools only (ref_common.R).  Writes into
# tests/reference/lavaan/heldout/:
#   data/*.csv     simulated data sets (seeded draws from known populations,
#                  rounded to 3 decimals before anything is fitted, so that the
#                  CSV holds exactly the numbers lavaan fitted);
#   <case>/        one folder per case with the files of README.md ("Per-case
#                  folder", as written by ref_common.R's write_case), and in
#                  info.json a block `sem_csat` that says how sem_csat is asked
#                  for the same fit (method, missing, std_lv, input files, and
#                  `model` when the sem_csat spec text differs from lavaan's,
#                  e.g. a `#: reliability` directive instead of the fixed
#                  residual variance lavaan is given).
# Deterministic: a rerun with the same versions reproduces every file byte for
# byte.  Takes about a minute on a quiet 2-core machine.
# =============================================================================

script_dir <- local({
  args <- commandArgs(trailingOnly = FALSE)
  f <- sub("^--file=", "", args[grep("^--file=", args)])
  if (length(f) == 1) dirname(normalizePath(f)) else "tests/reference/lavaan"
})
source(file.path(script_dir, "ref_common.R"))
OUT <- file.path(script_dir, "heldout")
DATA <- file.path(OUT, "data")
dir.create(DATA, showWarnings = FALSE, recursive = TRUE)

hs <- read.csv(file.path(script_dir, "hs1939.csv"))
pd <- read.csv(file.path(script_dir, "political_democracy.csv"))
XS <- paste0("x", 1:9)

# -----------------------------------------------------------------------------
# Simulation helpers
# -----------------------------------------------------------------------------

# Implied latent covariance of eta = B eta + zeta: (I - B)^-1 Psi (I - B)^-T.
latent_cov <- function(B, Psi) {
  C <- solve(diag(nrow(B)) - B)
  C %*% Psi %*% t(C)
}

# n draws of x = Lambda eta + eps with eta ~ N(0, Phi) and eps independent with
# variances theta (normal, or standardized chi-square(df) when skew_df is
# given: skewed, heavy-tailed errors).  Optional residual covariances
# `rescov` (list of c(i, j, value)).  Items are multiplied by `scale` and
# shifted by `shift`, then rounded to `digits` decimals.
simulate <- function(n, Lambda, Phi, theta, seed, names, rescov = list(),
                     skew_df = NULL, scale = 1, shift = 0, digits = 3) {
  fix_rng(seed)
  m <- ncol(Lambda)
  p <- nrow(Lambda)
  eta <- matrix(rnorm(n * m), n) %*% chol(Phi)
  Theta <- diag(theta, p)
  for (rc in rescov) {
    Theta[rc[1], rc[2]] <- rc[3]
    Theta[rc[2], rc[1]] <- rc[3]
  }
  if (is.null(skew_df)) {
    z <- matrix(rnorm(n * p), n)
  } else {
    z <- (matrix(rchisq(n * p, skew_df), n) - skew_df) / sqrt(2 * skew_df)
  }
  eps <- z %*% chol(Theta)
  x <- eta %*% t(Lambda) + eps
  x <- sweep(sweep(x, 2, rep_len(scale, p), "*"), 2, rep_len(shift, p), "+")
  x <- round(x, digits)
  colnames(x) <- names
  as.data.frame(x)
}

# A loading matrix from a list of loading vectors, one per factor.
loadings <- function(...) {
  blocks <- list(...)
  p <- sum(lengths(blocks))
  L <- matrix(0, p, length(blocks))
  row <- 0
  for (j in seq_along(blocks)) {
    k <- length(blocks[[j]])
    L[row + seq_len(k), j] <- blocks[[j]]
    row <- row + k
  }
  L
}

# Write a data set and read it back, so that lavaan fits exactly the CSV.
write_data <- function(df, name) {
  path <- file.path(DATA, name)
  write_csv17(df, path)
  read.csv(path)
}

# How sem_csat is asked for the same fit (the `sem_csat` block of info.json).
py <- function(method, data = NULL, missing = "listwise", std_lv = FALSE,
               model = NULL, cov = NULL, sds = NULL, n_obs = NULL) {
  out <- list(method = method, missing = missing, std_lv = std_lv)
  if (!is.null(data)) out$data <- data
  if (!is.null(cov)) out$cov <- cov
  if (!is.null(sds)) out$sds <- sds
  if (!is.null(n_obs)) out$n_obs <- n_obs
  if (!is.null(model)) out$model <- model
  out
}

# sem_csat's data check takes an extreme normal draw (say -3.5 among values in
# [-2, 2.3]) for a missing-value code unless the answer scale is declared; the
# simulated continuous items are declared on a wide scale with a `#: scale`
# directive, which lavaan reads as a comment.
SIM <- "#: scale: -100, 100\n"

# lavaan's estimator argument for sem_csat's method name.
EST <- c(ml = "ML", mlr = "MLR", gls = "GLS", uls = "ULS", dwls = "DWLS",
         wlsmv = "WLSMV")

# semTools 0.5-6 on a fitted case: compRelSEM() and AVE() with their defaults
# (omega with the observed variance of the sum, tau.eq = FALSE, obs.var =
# TRUE) into semtools_rel.csv, and for complete data htmt(model, data) with
# htmt2 = FALSE and TRUE into htmt.csv and htmt2.csv.
write_semtools <- function(case, fit, model, df) {
  dir <- file.path(OUT, case)
  rel <- try_warnings(compRelSEM(fit))
  ave <- try_warnings(AVE(fit))
  if (!rel$error && !ave$error) {
    f <- names(rel$value)
    write_csv17(data.frame(factor = f, omega = as.numeric(rel$value),
                           ave = as.numeric(ave$value[f]), stringsAsFactors = FALSE),
                file.path(dir, "semtools_rel.csv"))
  }
  if (!is.null(df) && !anyNA(df)) {
    for (h2 in c(FALSE, TRUE)) {
      h <- try_warnings(htmt(model, data = df, htmt2 = h2))
      if (!h$error) write_matrix(h$value, file.path(dir, if (h2) "htmt2.csv" else "htmt.csv"))
    }
  }
}

# Fit `model` by sem() with the given method on data `df` and write the case.
run <- function(case, model, df, data_file, method, description,
                std_lv = FALSE, missing = "listwise", py_model = NULL,
                ordered = NULL, extra = list()) {
  est <- EST[[method]]
  lav_missing <- if (missing == "fiml") "fiml" else "listwise"
  res <- with_warnings(sem(model, data = df, estimator = est,
                           std.lv = std_lv, missing = lav_missing,
                           ordered = ordered))
  info_extra <- c(extra, list(
    sem_csat = py(method, data = data_file, missing = missing,
                  std_lv = std_lv, model = py_model)))
  write_case(case, res, model, description, file.path("heldout", data_file),
             dir = file.path(OUT, case), extra = info_extra,
             estimator_requested = est, fiml = missing == "fiml")
  if (is.null(ordered)) write_semtools(case, res$value, model, df)
}

# =============================================================================
# 1. Small N: two factors, three items each, N = 60
# =============================================================================

CFA2 <- paste0(SIM, "
F1 =~ a1 + a2 + a3
F2 =~ b1 + b2 + b3
")
cfa2 <- write_data(
  simulate(60, loadings(c(.8, .7, .6), c(.75, .65, .7)),
           matrix(c(1, .4, .4, 1), 2), c(.36, .51, .64, .44, .58, .51),
           seed = 3101, names = c("a1", "a2", "a3", "b1", "b2", "b3")),
  "cfa2_n60.csv")
for (m in c("ml", "gls", "uls", "mlr")) {
  run(paste0("cfa2_n60_", m), CFA2, cfa2, "data/cfa2_n60.csv", m,
      paste0("Two correlated factors x 3 items, N = 60 (small sample), simulated ",
             "(seed 3101), sem() defaults, estimator ", EST[[m]], "."))
}

# =============================================================================
# 2. Six factors with 2-5 indicators, chain and cross paths, N = 500
# =============================================================================

SEM6_MEAS <- paste0(SIM, "
F1 =~ p1 + p2 + p3 + p4
F2 =~ q1 + q2 + q3
F3 =~ r1 + r2 + r3 + r4 + r5
F4 =~ s1 + s2
F5 =~ t1 + t2 + t3
F6 =~ u1 + u2 + u3 + u4
")
SEM6 <- paste0(SEM6_MEAS, "
F2 ~ F1
F3 ~ F1
F4 ~ F2 + F3
F5 ~ F4 + F2
F6 ~ F5 + F1
")
sem6_names <- c(paste0("p", 1:4), paste0("q", 1:3), paste0("r", 1:5),
                paste0("s", 1:2), paste0("t", 1:3), paste0("u", 1:4))
B6 <- matrix(0, 6, 6)
B6[2, 1] <- .5; B6[3, 1] <- .4; B6[4, 2] <- .3; B6[4, 3] <- .4
B6[5, 4] <- .5; B6[5, 2] <- .2; B6[6, 5] <- .4; B6[6, 1] <- .2
L6 <- loadings(c(.8, .75, .7, .65), c(.7, .8, .6), c(.6, .7, .8, .75, .55),
               c(.85, .7), c(.7, .75, .8), c(.6, .65, .7, .8))
sem6 <- write_data(
  simulate(500, L6, latent_cov(B6, diag(c(1, .7, .75, .6, .65, .7))),
           1 - rowSums(L6^2) * .9, seed = 3102, names = sem6_names),
  "sem6.csv")
for (m in c("ml", "mlr", "gls", "uls")) {
  run(paste0("sem6_", m), SEM6, sem6, "data/sem6.csv", m,
      paste0("Six factors with 4, 3, 5, 2, 3, 4 items; chain F1 -> F2/F3 -> F4 -> F5 -> F6 ",
             "with cross paths F2 -> F5 and F1 -> F6; N = 500, simulated (seed 3102); ",
             "estimator ", EST[[m]], "."))
}
run("sem6_std_lv_ml", SEM6, sem6, "data/sem6.csv", "ml",
    "sem6 by ML with std.lv = TRUE (factor and disturbance variances fixed at 1).",
    std_lv = TRUE)
run("sem6_std_lv_mlr", SEM6, sem6, "data/sem6.csv", "mlr",
    "sem6 by MLR with std.lv = TRUE.", std_lv = TRUE)

# =============================================================================
# 3. Mediation chain with labels, defined effects and correlated residuals
# =============================================================================

MED <- paste0(SIM, "
X  =~ x1 + x2 + x3
M1 =~ m1 + m2 + m3
M2 =~ n1 + n2 + n3
Y  =~ y1 + y2 + y3 + y4
M1 ~ a*X
M2 ~ b*M1
Y  ~ c*X + d*M2 + M1
m1 ~~ n1
y3 ~~ y4
ind := a*b*d
total := c + a*b*d
")
Bm <- matrix(0, 4, 4)
Bm[2, 1] <- .6; Bm[3, 2] <- .5; Bm[4, 1] <- .2; Bm[4, 3] <- .4; Bm[4, 2] <- .1
Lm <- loadings(c(.8, .7, .75), c(.7, .8, .65), c(.75, .7, .8), c(.6, .7, .75, .7))
med <- write_data(
  simulate(300, Lm, latent_cov(Bm, diag(c(1, .64, .75, .6))), 1 - rowSums(Lm^2) * .9,
           seed = 3103, names = c("x1", "x2", "x3", "m1", "m2", "m3", "n1", "n2", "n3",
                                  "y1", "y2", "y3", "y4"),
           rescov = list(c(4, 7, .12), c(12, 13, .1))),
  "mediation.csv")
for (m in c("ml", "mlr")) {
  run(paste0("mediation_", m), MED, med, "data/mediation.csv", m,
      paste0("Mediation chain X -> M1 -> M2 -> Y with direct X -> Y and M1 -> Y, labelled ",
             "paths a, b, c, d, defined effects ind := a*b*d and total := c + a*b*d, ",
             "correlated residuals m1 ~~ n1 and y3 ~~ y4; N = 300, simulated (seed 3103); estimator ",
             EST[[m]], "."))
}

# =============================================================================
# 4. A Heywood case and near-singular latent correlations
# =============================================================================

HEY <- paste0(SIM, "
F1 =~ a1 + a2 + a3
F2 =~ b1 + b2 + b3
")
Lh <- loadings(c(.97, .55, .5), c(.7, .6, .65))
hey <- write_data(
  simulate(80, Lh, matrix(c(1, .4, .4, 1), 2), 1 - rowSums(Lh^2), seed = 1007,
           names = c("a1", "a2", "a3", "b1", "b2", "b3")),
  "heywood.csv")
for (m in c("ml", "mlr")) {
  run(paste0("heywood_", m), HEY, hey, "data/heywood.csv", m,
      paste0("Heywood case: the a1 residual variance is negative at lavaan's solution ",
             "(population loading .97, N = 80, seed 1007); estimator ", EST[[m]], "."))
}

NEAR <- paste0(SIM, "
F1 =~ y1 + y2 + y3
F2 =~ y4 + y5 + y6
F3 =~ y7 + y8 + y9
")
Ln <- loadings(c(.8, .75, .7), c(.8, .7, .75), c(.7, .7, .6))
Phin <- matrix(c(1, .97, .4, .97, 1, .45, .4, .45, 1), 3)
near <- write_data(
  simulate(250, Ln, Phin, 1 - rowSums(Ln^2), seed = 2031, names = paste0("y", 1:9)),
  "nearsing.csv")
run("nearsing_ml", NEAR, near, "data/nearsing.csv", "ml",
    "Near-singular latent correlation: F1-F2 .995 at lavaan's solution (population .97, N = 250, seed 2031), ML.")
run("nearsing_uls", NEAR, near, "data/nearsing.csv", "uls",
    "nearsing by ULS.")
nonpd <- write_data(
  simulate(250, Ln, Phin, 1 - rowSums(Ln^2), seed = 2001, names = paste0("y", 1:9)),
  "nonpd.csv")
run("nonpd_ml", NEAR, nonpd, "data/nonpd.csv", "ml",
    "Latent covariance matrix not positive definite at lavaan's solution (population F1-F2 .97, N = 250, seed 2001), ML; lavaan warns.")

# =============================================================================
# 5. Large N = 2000 with skewed errors and correlated residuals
# =============================================================================

LARGE <- paste0(SIM, "
A =~ a1 + a2 + a3 + a4
B =~ b1 + b2 + b3 + b4
C =~ c1 + c2 + c3 + c4
D =~ d1 + d2 + d3 + d4
a1 ~~ a2
c3 ~~ d3
")
Ll <- loadings(c(.7, .75, .8, .6), c(.8, .7, .65, .75), c(.6, .7, .75, .8), c(.7, .8, .6, .65))
Phil <- matrix(.3, 4, 4); diag(Phil) <- 1; Phil[1, 2] <- Phil[2, 1] <- .5
large <- write_data(
  simulate(2000, Ll, Phil, 1 - rowSums(Ll^2), seed = 3105,
           names = c(paste0("a", 1:4), paste0("b", 1:4), paste0("c", 1:4), paste0("d", 1:4)),
           rescov = list(c(1, 2, .1), c(11, 15, .08)), skew_df = 4),
  "large.csv")
for (m in c("ml", "mlr")) {
  run(paste0("large_", m), LARGE, large, "data/large.csv", m,
      paste0("Four factors x 4 items with residual covariances a1 ~~ a2 and c3 ~~ d3; N = 2000; ",
             "errors are standardized chi-square(4) (skewed), seed 3105; estimator ", EST[[m]], "."))
}

# =============================================================================
# 6. Items with very different variances: 1-5 ratings beside 0-100 scores
# =============================================================================

SCALES <- "
#: scale R: 1, 5
#: scale P: 0, 100
#: scale O: 1, 7
R =~ r1 + r2 + r3 + r4
P =~ p1 + p2 + p3
O =~ o1 + o2 + o3
O ~ R + P
"
Ls <- loadings(c(.75, .7, .8, .65), c(.8, .7, .75), c(.7, .8, .75))
Bs <- matrix(0, 3, 3); Bs[3, 1] <- .4; Bs[3, 2] <- .3
sc <- simulate(400, Ls, latent_cov(Bs, diag(c(1, 1, .6))) + diag(0, 3),
               1 - rowSums(Ls^2), seed = 3106,
               names = c(paste0("r", 1:4), paste0("p", 1:3), paste0("o", 1:3)),
               scale = c(rep(1, 4), rep(15, 3), rep(1.2, 3)),
               shift = c(rep(3, 4), rep(50, 3), rep(4, 3)))
# ratings: rounded to whole points on 1-5 (r) and 1-7 (o); scores on 0-100 with one decimal
for (v in paste0("r", 1:4)) sc[[v]] <- pmin(5, pmax(1, round(sc[[v]])))
for (v in paste0("o", 1:3)) sc[[v]] <- pmin(7, pmax(1, round(sc[[v]])))
for (v in paste0("p", 1:3)) sc[[v]] <- pmin(100, pmax(0, round(sc[[v]], 1)))
sc <- write_data(sc, "scales.csv")
for (m in c("ml", "gls", "uls", "mlr")) {
  run(paste0("scales_", m), SCALES, sc, "data/scales.csv", m,
      paste0("Ratings 1-5 (r1-r4), scores 0-100 (p1-p3, variances about 200 times larger) and ",
             "ratings 1-7 (o1-o3); O ~ R + P; N = 400, simulated (seed 3106); estimator ",
             EST[[m]], "."))
}

# =============================================================================
# 7. A two-indicator factor and a single-indicator construct (with and
#    without a known reliability)
# =============================================================================

TWO <- paste0(SIM, "
F1 =~ f1 + f2 + f3
F2 =~ g1 + g2
S  =~ s1
F4 =~ h1 + h2 + h3
F2 ~ F1
S  ~ F1 + F2
F4 ~ S + F2
")
Bt <- matrix(0, 4, 4); Bt[2, 1] <- .5; Bt[3, 1] <- .3; Bt[3, 2] <- .3; Bt[4, 3] <- .4
Bt[4, 2] <- .2
Lt <- loadings(c(.8, .7, .75), c(.8, .7), .9, c(.7, .75, .8))
two <- write_data(
  simulate(350, Lt, latent_cov(Bt, diag(c(1, .75, .7, .7))), 1 - rowSums(Lt^2), seed = 3107,
           names = c("f1", "f2", "f3", "g1", "g2", "s1", "h1", "h2", "h3")),
  "twoind.csv")
for (m in c("ml", "mlr")) {
  run(paste0("twoind_", m), TWO, two, "data/twoind.csv", m,
      paste0("A two-indicator factor (F2) and a single-indicator construct S (s1; lavaan's ",
             "auto.fix.single: loading 1, residual variance 0); N = 350, simulated (seed ",
             "3107); estimator ", EST[[m]], "."))
}

# Known reliability .8 of s1: the residual variance is fixed at
# (1 - .8) * var(s1), with R's var() (divisor N - 1), as a lavaan user writes
# it.  sem_csat is given the `#: reliability S: 0.8` directive instead.
REL <- 0.8
s1_var <- var(two$s1)
rel_resid <- (1 - REL) * s1_var
TWO_REL <- paste0(TWO, "s1 ~~ ", fmt_num(rel_resid), "*s1\n")
TWO_REL_PY <- paste0("#: reliability S: 0.8\n", TWO)
for (m in c("ml", "gls", "mlr")) {
  run(paste0("single_rel_", m), TWO_REL, two, "data/twoind.csv", m,
      paste0("twoind with a known reliability .8 of the single item s1: residual variance ",
             "fixed at (1 - .8) * var(s1) (R's var(), divisor N - 1) = ", fmt_num(rel_resid),
             "; estimator ", EST[[m]], "."),
      py_model = TWO_REL_PY,
      extra = list(reliability = REL, s1_var_n1 = s1_var,
                   s1_var_n = s1_var * (nrow(two) - 1) / nrow(two),
                   fixed_residual = rel_resid))
}
# the same with the N-divisor variance written as a fixed value in the model text
rel_resid_n <- (1 - REL) * s1_var * (nrow(two) - 1) / nrow(two)
TWO_REL_N <- paste0(TWO, "s1 ~~ ", fmt_num(rel_resid_n), "*s1\n")
run("single_rel_ndiv_ml", TWO_REL_N, two, "data/twoind.csv", "ml",
    paste0("As single_rel_ml, but the residual variance of s1 fixed explicitly in the model ",
           "text at (1 - .8) times the N-divisor variance (", fmt_num(rel_resid_n), "): a ",
           "fixed residual variance written in lavaan syntax."),
    py_model = TWO_REL_N,
    extra = list(reliability = REL, fixed_residual = rel_resid_n))

# =============================================================================
# 8. Ordinal items with 2, 3 and 7 categories (WLSMV, DWLS)
# =============================================================================

ORD <- "
B2 =~ u1 + u2 + u3 + u4
T3 =~ v1 + v2 + v3 + v4
S7 =~ w1 + w2 + w3 + w4
S7 ~ B2 + T3
"
Lo <- loadings(c(.7, .75, .65, .8), c(.7, .8, .6, .75), c(.8, .7, .75, .65))
Bo <- matrix(0, 3, 3); Bo[3, 1] <- .4; Bo[3, 2] <- .35
ordc <- simulate(600, Lo, latent_cov(Bo, diag(c(1, 1, .55))) , 1 - rowSums(Lo^2),
                 seed = 3108, names = c(paste0("u", 1:4), paste0("v", 1:4), paste0("w", 1:4)))
cut_at <- function(x, th) as.integer(findInterval(x, th) + 1L)
ord <- ordc
for (j in 1:4) ord[[paste0("u", j)]] <- cut_at(ordc[[paste0("u", j)]], c(-0.3, 0.2, 0.6, -0.5)[j])
for (j in 1:4) ord[[paste0("v", j)]] <- cut_at(ordc[[paste0("v", j)]],
                                               list(c(-.8, .4), c(-.2, .9), c(-1, 0), c(0, 1.2))[[j]])
for (j in 1:4) ord[[paste0("w", j)]] <- cut_at(ordc[[paste0("w", j)]],
                                               c(-1.6, -1, -.5, 0, .5, 1.2) + c(0, .1, -.1, .2)[j])
ord <- write_data(ord, "ordinal.csv")
ORD_ITEMS <- names(ord)
for (m in c("wlsmv", "dwls")) {
  run(paste0("ordinal_", m), ORD, ord, "data/ordinal.csv", m,
      paste0("Ordinal items: u1-u4 binary, v1-v4 three categories, w1-w4 seven categories ",
             "(continuous draws cut at fixed thresholds), S7 ~ B2 + T3; N = 600, seed 3108; ",
             "ordered = all items, estimator ", EST[[m]], " (delta parameterization)."),
      ordered = ORD_ITEMS)
}
run("ordinal_std_lv_wlsmv", ORD, ord, "data/ordinal.csv", "wlsmv",
    "ordinal_wlsmv with std.lv = TRUE.", std_lv = TRUE, ordered = ORD_ITEMS)

# =============================================================================
# 9. FIML: 5 % and 25 % missing (MCAR), and a block of respondents without
#    one factor's items plus empty rows
# =============================================================================

FIML <- paste0(SIM, "
F1 =~ k1 + k2 + k3 + k4
F2 =~ l1 + l2 + l3 + l4
F3 =~ z1 + z2 + z3 + z4
F3 ~ F1 + F2
")
Lf <- loadings(c(.8, .7, .75, .65), c(.7, .75, .8, .6), c(.75, .7, .8, .7))
Bf <- matrix(0, 3, 3); Bf[3, 1] <- .4; Bf[3, 2] <- .3
Phif <- latent_cov(Bf, matrix(c(1, .35, 0, .35, 1, 0, 0, 0, .6), 3))
full <- simulate(400, Lf, Phif, 1 - rowSums(Lf^2), seed = 3109,
                 names = c(paste0("k", 1:4), paste0("l", 1:4), paste0("z", 1:4)))
invisible(write_data(full, "fiml_complete.csv"))

# MCAR cells: sample.int over the column-major cells; no row left empty.
punch <- function(df, share, seed) {
  fix_rng(seed)
  m <- as.matrix(df)
  repeat {
    x <- m
    x[sample.int(length(x), round(share * length(x)))] <- NA
    if (all(rowSums(!is.na(x)) > 0)) break
  }
  as.data.frame(x)
}
f05 <- write_data(punch(full, .05, 4105), "fiml_05.csv")
f25 <- write_data(punch(full, .25, 4125), "fiml_25.csv")

# block pattern: rows 1-60 without any F2 item (planned missingness), 5 % of
# the other cells MCAR, rows 391-393 completely empty (lavaan drops them).
fb <- punch(full, .05, 4199)
fb[1:60, paste0("l", 1:4)] <- NA
fb[391:393, ] <- NA
fb <- write_data(fb, "fiml_block.csv")

for (m in c("ml", "mlr")) {
  run(paste0("fiml05_", m), FIML, f05, "data/fiml_05.csv", m,
      paste0("Three factors x 4 items, F3 ~ F1 + F2, N = 400 (seed 3109) with 5 % of the ",
             "cells missing (MCAR, seed 4105); missing = 'fiml', estimator ", EST[[m]], "."),
      missing = "fiml")
  run(paste0("fiml25_", m), FIML, f25, "data/fiml_25.csv", m,
      paste0("As fiml05 with 25 % of the cells missing (MCAR, seed 4125); missing = 'fiml', ",
             "estimator ", EST[[m]], "."),
      missing = "fiml")
  run(paste0("fimlblock_", m), FIML, fb, "data/fiml_block.csv", m,
      paste0("As fiml05 (5 % MCAR, seed 4199), and rows 1-60 have no F2 item (l1-l4 all ",
             "missing) and rows 391-393 are empty (lavaan ignores them: nobs 397 of ntotal ",
             "400); missing = 'fiml', estimator ", EST[[m]], "."),
      missing = "fiml")
}

# =============================================================================
# 10. Political democracy: the tutorial SEM by other estimators and options
# =============================================================================

PD <- "
ind60 =~ x1 + x2 + x3
dem60 =~ y1 + a*y2 + b*y3 + c*y4
dem65 =~ y5 + a*y6 + b*y7 + c*y8
dem60 ~ ind60
dem65 ~ ind60 + dem60
y1 ~~ y5
y2 ~~ y4 + y6
y3 ~~ y7
y4 ~~ y8
y6 ~~ y8
"
PD_FILE <- "../political_democracy.csv"
for (m in c("mlr", "gls", "uls")) {
  run(paste0("pd_", m), PD, pd, PD_FILE, m,
      paste0("lavaan's tutorial SEM on PoliticalDemocracy (equal loadings a, b, c and six ",
             "residual covariances), N = 75; estimator ", EST[[m]], "."))
}
run("pd_std_lv_ml", PD, pd, PD_FILE, "ml",
    "The PoliticalDemocracy tutorial SEM by ML with std.lv = TRUE.", std_lv = TRUE)

# =============================================================================
# 11. Holzinger-Swineford by other estimators and options
# =============================================================================

HS <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
"
HS_FILE <- "../hs1939.csv"
run("hs_std_lv_mlr", HS, hs, HS_FILE, "mlr", "HS CFA by MLR with std.lv = TRUE.",
    std_lv = TRUE)
run("hs_std_lv_uls", HS, hs, HS_FILE, "uls", "HS CFA by ULS with std.lv = TRUE.",
    std_lv = TRUE)
HS_RES <- paste0(HS, "x7 ~~ x8\nx2 ~~ x3\n")
run("hs_corres_gls", HS_RES, hs, HS_FILE, "gls",
    "HS CFA with residual covariances x7 ~~ x8 and x2 ~~ x3, GLS.")
HS_EQ <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + a*x5 + a*x6
speed   =~ x7 + b*x8 + b*x9
x1 ~~ 0.5*x1
visual ~~ 0.3*speed
"
run("hs_fixed_eq_ml", HS_EQ, hs, HS_FILE, "ml",
    "HS CFA with equal-label loadings (a: x5, x6; b: x8, x9), a fixed residual variance x1 ~~ 0.5*x1 and a fixed factor covariance visual ~~ 0.3*speed, ML.")
run("hs_fixed_eq_uls", HS_EQ, hs, HS_FILE, "uls", "hs_fixed_eq by ULS.")
HS_SEM <- "
visual  =~ x1 + x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
textual ~ visual
speed ~ textual + visual
"
run("hs_sem_std_lv_gls", HS_SEM, hs, HS_FILE, "gls",
    "HS as a structural model (visual -> textual -> speed, visual -> speed) with std.lv = TRUE by GLS: disturbance variances fixed at 1.",
    std_lv = TRUE)

# --- Summary-statistic input --------------------------------------------------
hs_cov_in <- cov(hs[, XS])
hs_cor_in <- cor(hs[, XS])
hs_sd_in <- apply(hs[, XS], 2, sd)
dir.create(file.path(OUT, "inputs"), showWarnings = FALSE)
write_matrix(hs_cov_in, file.path(OUT, "inputs", "hs_cov.csv"))
write_matrix(hs_cor_in, file.path(OUT, "inputs", "hs_cor.csv"))
write_named(hs_sd_in, file.path(OUT, "inputs", "hs_sds.csv"), c("variable", "sd"))
write_matrix(cov(sem6), file.path(OUT, "inputs", "sem6_cov.csv"))

moments_case <- function(case, model, sample_cov, n, method, description, cov_file,
                         sds_file = NULL, std_lv = FALSE) {
  est <- EST[[method]]
  res <- with_warnings(sem(model, sample.cov = sample_cov, sample.nobs = n,
                           estimator = est, std.lv = std_lv))
  write_case(case, res, model, description, file.path("heldout", cov_file),
             dir = file.path(OUT, case),
             extra = list(sem_csat = py(method, cov = cov_file, sds = sds_file, n_obs = n,
                                        std_lv = std_lv)),
             estimator_requested = est)
}
for (m in c("gls", "uls")) {
  moments_case(paste0("hs_cov_", m), HS, hs_cov_in, 301, m,
               paste0("HS CFA from sample.cov = cov(x1..x9) (divisor N - 1) and N = 301, ",
                      "estimator ", EST[[m]], " (lavaan's sample.cov.rescale default)."),
               "inputs/hs_cov.csv")
}
moments_case("hs_cor_ml", HS, hs_cor_in, 301, "ml",
             "HS CFA fitted to the correlation matrix itself (no SDs): the model of standardized variables, ML.",
             "inputs/hs_cor.csv")
moments_case("hs_cor_sd_std_lv_ml", HS, cor2cov(hs_cor_in, hs_sd_in), 301, "ml",
             "HS CFA from the correlation matrix and the SDs (cov = D R D, full precision), ML, std.lv = TRUE.",
             "inputs/hs_cor.csv", sds_file = "inputs/hs_sds.csv", std_lv = TRUE)
moments_case("sem6_cov_ml", SEM6, cov(sem6), 500, "ml",
             "sem6 from its covariance matrix (divisor N - 1) and N = 500, ML: equals sem6_ml.",
             "inputs/sem6_cov.csv")

# --- lavaan's likelihood = "wishart" on the same covariance input -------------
# sem_csat has no such option: it fits lavaan's default (likelihood = "normal",
# sample.cov rescaled by (N - 1) / N).  The case documents the relation:
# equal estimates, chi-square (N - 1) F instead of N F, SEs larger by
# sqrt(N / (N - 1)).
res <- with_warnings(sem(SEM6, sample.cov = cov(sem6), sample.nobs = 500,
                         likelihood = "wishart"))
write_case("sem6_cov_wishart_ml", res, SEM6,
           "sem6 from its covariance matrix and N = 500 by ML with likelihood = 'wishart' (not sem_csat's convention; see test_heldout_parity).",
           file.path("heldout", "inputs/sem6_cov.csv"),
           dir = file.path(OUT, "sem6_cov_wishart_ml"),
           extra = list(sem_csat = c(py("ml", cov = "inputs/sem6_cov.csv", n_obs = 500),
                                     list(likelihood = "wishart"))),
           estimator_requested = "ML")

# =============================================================================
# 12. The bundled survey data sets: ECSI mobile phone (N = 250) and the bank
#     survey (near-collinear constructs)
# =============================================================================

DS <- file.path(script_dir, "..", "..", "..", "sem_csat", "datasets")
ecsi <- read.csv(file.path(DS, "ecsi_mobile.csv"))
bank <- read.csv(file.path(DS, "bank_satisfaction.csv"))

# As run(), for a bundled data set (sem_csat reads it by name).
run_ds <- function(case, model, df, dataset, method, description, std_lv = FALSE) {
  est <- EST[[method]]
  res <- with_warnings(sem(model, data = df, estimator = est, std.lv = std_lv))
  write_case(case, res, model, description,
             file.path("sem_csat", "datasets", paste0(dataset, ".csv")),
             dir = file.path(OUT, case),
             extra = list(sem_csat = py(method, data = paste0("dataset:", dataset),
                                        std_lv = std_lv)),
             estimator_requested = est)
  write_semtools(case, res$value, model, df)
}

ECSI_MEAS <- "
Image        =~ IMAG1 + IMAG2 + IMAG3 + IMAG4 + IMAG5
Expectation  =~ CUEX1 + CUEX2 + CUEX3
Quality      =~ PERQ1 + PERQ2 + PERQ3 + PERQ4 + PERQ5 + PERQ6 + PERQ7
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Complaints   =~ CUSCO
"
# (On the full ECSI model with std.lv = TRUE lavaan's nlminb stops 0.022 above
# the chi-square minimum that the marker parameterization reaches (Expectation
# and Quality correlate .995), so the std.lv case uses its better-determined
# back end.)
ECSI_BACK <- "
Value        =~ PERV1 + PERV2
Satisfaction =~ CUSA1 + CUSA2 + CUSA3
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Complaints   =~ CUSCO
Satisfaction ~ Value
Complaints   ~ Satisfaction
Loyalty      ~ Satisfaction + Complaints
"
run_ds("ecsi_std_lv_mlr", ECSI_BACK, ecsi, "ecsi_mobile", "mlr",
       paste0("The back end of the ECSI model on the mobile-phone data (N = 250) by MLR with ",
              "std.lv = TRUE; Complaints is the single item CUSCO (auto.fix.single: its ",
              "loading is free and its residual variance 0), Value has 2 items."),
       std_lv = TRUE)
ECSI_LAB <- paste0(ECSI_MEAS, "
Expectation  ~ Image
Quality      ~ Expectation
Value        ~ e2*Expectation + q2*Quality
Satisfaction ~ Image + Expectation + q1*Quality + v1*Value
Complaints   ~ k*Satisfaction
Loyalty      ~ Image + s*Satisfaction + c*Complaints
PERQ1 ~~ PERQ2
CUSL1 ~~ CUSL3
qual_sat_via_value := q2*v1
qual_sat_total := q1 + q2*v1
sat_loy_total := s + k*c
")
for (m in c("ml", "mlr")) {  # neither GLS nor ULS converges on it
  run_ds(paste0("ecsi_defined_", m), ECSI_LAB, ecsi, "ecsi_mobile", m,
         paste0("The full ECSI model with labelled paths, correlated residuals PERQ1 ~~ PERQ2 ",
                "and CUSL1 ~~ CUSL3 and three defined effects (indirect Quality -> Value -> ",
                "Satisfaction, its total, total Satisfaction -> Loyalty); estimator ", EST[[m]], "."))
}
ECSI_TAU <- "
Value        =~ v*PERV1 + v*PERV2
Satisfaction =~ CUSA1 + 1*CUSA2 + CUSA3
Loyalty      =~ CUSL1 + CUSL2 + CUSL3
Satisfaction ~ Value
Loyalty ~ Satisfaction
"
run_ds("ecsi_tau_std_lv_ml", ECSI_TAU, ecsi, "ecsi_mobile", "ml",
       paste0("ECSI Value (2 items, equal loadings v) -> Satisfaction (CUSA2's loading fixed at 1 ",
              "beside std.lv) -> Loyalty, ML with std.lv = TRUE."),
       std_lv = TRUE)

BANK_MEAS <- "
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
EXPE =~ expe1 + expe2 + expe3 + expe4 + expe5
QUAL =~ qual1 + qual2 + qual3 + qual4 + qual5
VAL  =~ val1 + val2 + val3 + val4
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
"
BANK_SEM <- paste0(BANK_MEAS, "
EXPE ~ IMAG
QUAL ~ EXPE
VAL  ~ EXPE + QUAL
SAT  ~ IMAG + EXPE + QUAL + VAL
LOY  ~ IMAG + SAT
")
run_ds("bank_std_lv_ml", BANK_SEM, bank, "bank_satisfaction", "ml",
       "The bank survey's ECSI-type SEM (near-collinear constructs) by ML with std.lv = TRUE.",
       std_lv = TRUE)

# The first 60 respondents of the bank survey, three constructs.
BANK3 <- "
IMAG =~ imag1 + imag2 + imag3 + imag4 + imag5
SAT  =~ sat1 + sat2 + sat3 + sat4
LOY  =~ loy1 + loy2 + loy3 + loy4
LOY ~ SAT + IMAG
"
bank60 <- write_data(bank[1:60, c(paste0("imag", 1:5), paste0("sat", 1:4), paste0("loy", 1:4))],
                     "bank_n60.csv")
for (m in c("ml", "mlr", "gls")) {
  run(paste0("bank_n60_", m), BANK3, bank60, "data/bank_n60.csv", m,
      paste0("The first 60 respondents of the bank survey (rows 1-60, 13 items), ",
             "LOY ~ SAT + IMAG; estimator ", EST[[m]], "."))
}

# =============================================================================
# 13. Orthogonal factors with a fixed non-marker loading, and FIML with std.lv
# =============================================================================

HS_ORTH <- "
visual  =~ x1 + 0.5*x2 + x3
textual =~ x4 + x5 + x6
speed   =~ x7 + x8 + x9
visual ~~ 0*textual
textual ~~ 0*speed
"
run("hs_orth_fixed_ml", HS_ORTH, hs, HS_FILE, "ml",
    "HS CFA with textual uncorrelated with visual and speed (fixed 0 covariances) and x2's loading fixed at 0.5 beside the marker x1, ML.")
run("hs_orth_fixed_gls", HS_ORTH, hs, HS_FILE, "gls", "hs_orth_fixed by GLS.")
run("fiml25_std_lv_mlr", FIML, f25, "data/fiml_25.csv", "mlr",
    "fiml25 (25 % MCAR) by MLR with std.lv = TRUE.", std_lv = TRUE, missing = "fiml")

cat("done\n")

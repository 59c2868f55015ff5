# =============================================================================
# Shared writers for the reference scripts make_rebuild.R, make_groups.R and
# ../semtools/make_power.R.  Sourced, never run on its own.
#
# The file conventions are those of make_reference.R (see README.md): CSV with
# a header row, strings quoted, numbers with the fewest of 15/16/17 significant
# digits that read back as the identical double, NA for missing; square
# matrices with their row names in a first column with an empty header; JSON
# without a package (NA/NaN/Inf -> null).
#
# write_case() here writes the same files as make_reference.R's version plus
#   * modindices.csv  modindices(fit, sort. = FALSE, minimum.value = 0), every
#                     column lavaan returns (mi, epc, sepc.lv, sepc.all,
#                     sepc.nox; block/group/level for multi-group fits);
#   * partable.csv    parTable(fit): id, lhs, op, rhs, user, block, group, free,
#                     ustart, exo, label, plabel, start, est, se (then any
#                     further column lavaan keeps, in lavaan's order);
# and handles multi-group fits (params.csv gains block, group, group.label;
# per-group moment files get a suffix _g1, _g2, ... in lavaan's group order).
# =============================================================================

suppressPackageStartupMessages({
  library(lavaan)
  library(semTools)
})

VERSIONS <- list(
  R = paste(R.version$major, R.version$minor, sep = "."),
  R_version_string = R.version.string,
  lavaan = as.character(packageVersion("lavaan")),
  semTools = as.character(packageVersion("semTools"))
)

# Fixed RNG kind for every random draw of data (missing cells, codes).
fix_rng <- function(seed) {
  RNGkind("Mersenne-Twister", "Inversion", "Rejection")
  set.seed(seed)
}

# -----------------------------------------------------------------------------
# Writers
# -----------------------------------------------------------------------------

fmt_num <- function(x) {
  x <- as.numeric(x)
  out <- sprintf("%.15g", x)
  for (digits in c(16, 17)) {
    bad <- !is.na(x) & suppressWarnings(as.numeric(out)) != x
    out[bad] <- sprintf(paste0("%.", digits, "g"), x[bad])
  }
  out[is.na(x)] <- "NA"
  out
}

write_csv17 <- function(df, path) {
  df <- as.data.frame(df, stringsAsFactors = FALSE, check.names = FALSE)
  rownames(df) <- NULL
  is_num <- vapply(df, is.numeric, logical(1))
  for (j in which(is_num)) df[[j]] <- fmt_num(df[[j]])
  for (j in which(!is_num)) df[[j]] <- as.character(df[[j]])
  write.table(df, path, sep = ",", row.names = FALSE, col.names = TRUE,
              quote = if (any(!is_num)) which(!is_num) else FALSE,
              na = "NA", qmethod = "double")
  invisible(path)
}

write_matrix <- function(m, path) {
  m <- unclass(m)
  m <- matrix(as.numeric(m), nrow(m), ncol(m), dimnames = dimnames(m))
  df <- data.frame(rn = rownames(m), m, check.names = FALSE,
                   stringsAsFactors = FALSE)
  names(df)[1] <- ""
  write_csv17(df, path)
}

write_named <- function(x, path, names = c("name", "value")) {
  df <- data.frame(a = names(x), b = as.numeric(x), stringsAsFactors = FALSE)
  names(df) <- names
  write_csv17(df, path)
}

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
  if (length(x) == 0) return("[]")
  if (length(x) == 1 && is.null(names(x))) return(scalar(x))
  if (!is.null(names(x))) return(to_json(as.list(x), indent))
  paste0("[", paste(vapply(x, scalar, character(1)), collapse = ", "), "]")
}
write_json <- function(x, path) writeLines(to_json(x), path, useBytes = TRUE)

# Evaluate `expr`, collecting every warning's text (muffled, in order).
with_warnings <- function(expr) {
  warns <- character(0)
  value <- withCallingHandlers(expr, warning = function(w) {
    warns <<- c(warns, conditionMessage(w))
    invokeRestart("muffleWarning")
  })
  list(value = value, warnings = warns)
}

# Like with_warnings(), but an error is caught and returned as its message.
try_warnings <- function(expr) {
  warns <- character(0)
  value <- tryCatch(
    withCallingHandlers(expr, warning = function(w) {
      warns <<- c(warns, conditionMessage(w))
      invokeRestart("muffleWarning")
    }),
    error = function(e) structure(conditionMessage(e), class = "ref_error"))
  list(value = value, warnings = warns, error = inherits(value, "ref_error"))
}

write_warnings <- function(warns, path) {
  if (length(warns) == 0) {
    invisible(file.create(path))
  } else {
    writeLines(paste(warns, collapse = "\n----\n"), path, useBytes = TRUE)
  }
}

# -----------------------------------------------------------------------------
# One fitted case
# -----------------------------------------------------------------------------

PARAM_COLS <- c("lhs", "op", "rhs", "label", "est", "se", "z", "pvalue",
                "ci.lower", "ci.upper", "std.lv", "std.all", "std.nox")
MG_PARAM_COLS <- c("lhs", "op", "rhs", "block", "group", "group.label", "label",
                   "est", "se", "z", "pvalue", "ci.lower", "ci.upper",
                   "std.lv", "std.all", "std.nox")
PARTABLE_COLS <- c("id", "lhs", "op", "rhs", "user", "block", "group", "free",
                   "ustart", "exo", "label", "plabel", "start", "est", "se")

fit_options <- function(fit) {
  opt <- lavInspect(fit, "options")
  keep <- vapply(opt, function(v) is.atomic(v) && !is.null(v), logical(1))
  opt[keep]
}

# parameterEstimates() with the standardized solution and R-squares; for
# multi-group fits with the group label beside the group number (0 and "" for
# rows that belong to no group: defined parameters and constraints).
param_table <- function(fit) {
  pe <- parameterEstimates(fit, standardized = TRUE, rsquare = TRUE)
  ng <- lavInspect(fit, "ngroups")
  cols <- if (ng > 1) MG_PARAM_COLS else PARAM_COLS
  if (!"label" %in% names(pe)) pe$label <- ""
  if (ng > 1) {
    labels <- lavInspect(fit, "group.label")
    pe$group.label <- ifelse(pe$group >= 1 & pe$group <= ng,
                             labels[pmax(1, pe$group)], "")
    if (!"block" %in% names(pe)) pe$block <- pe$group
  }
  for (col in setdiff(cols, names(pe))) pe[[col]] <- NA_real_
  pe[, cols]
}

# parTable(fit) with lavaan's core columns first.
partable_df <- function(fit) {
  pt <- as.data.frame(parTable(fit), stringsAsFactors = FALSE)
  cols <- c(intersect(PARTABLE_COLS, names(pt)), setdiff(names(pt), PARTABLE_COLS))
  pt[, cols]
}

# Write per-group (or single) moment matrices / vectors.
write_moments <- function(x, dir, stem, kind, suffixes) {
  if (is.null(x)) return(invisible())
  if (identical(kind, "matrix")) write_matrix(x, file.path(dir, paste0(stem, suffixes, ".csv")))
  else write_named(x, file.path(dir, paste0(stem, suffixes, ".csv")), kind)
}

write_case <- function(case, res, model, description, data_file = NULL,
                       dir = file.path(OUT, case), extra = list(),
                       estimator_requested = NULL, fiml = FALSE) {
  fit <- res$value
  dir.create(dir, showWarnings = FALSE, recursive = TRUE)
  ng <- lavInspect(fit, "ngroups")
  group_labels <- lavInspect(fit, "group.label")

  write_csv17(param_table(fit), file.path(dir, "params.csv"))

  fm <- with_warnings(fitMeasures(fit))
  write_named(fm$value, file.path(dir, "fit.csv"), names = c("measure", "value"))

  # Moments: a single group writes implied_cov.csv etc. as make_reference.R
  # does; k groups write implied_cov_g1.csv ... implied_cov_gk.csv.
  imp <- fitted(fit)
  ss <- lavInspect(fit, "sampstat")
  cov_lv <- lavInspect(fit, "cov.lv")
  cor_lv <- lavInspect(fit, "cor.lv")
  if (ng == 1) {
    imp <- list(imp); ss <- list(ss); cov_lv <- list(cov_lv); cor_lv <- list(cor_lv)
    suffixes <- ""
  } else {
    suffixes <- paste0("_g", seq_len(ng))
  }
  for (g in seq_len(ng)) {
    sfx <- suffixes[g]
    write_moments(imp[[g]]$cov, dir, "implied_cov", "matrix", sfx)
    write_moments(ss[[g]]$cov, dir, "sample_cov", "matrix", sfx)
    write_moments(imp[[g]]$mean, dir, "implied_mean", c("variable", "value"), sfx)
    write_moments(ss[[g]]$mean, dir, "sample_mean", c("variable", "value"), sfx)
    write_moments(imp[[g]]$th, dir, "implied_th", c("threshold", "value"), sfx)
    write_moments(ss[[g]]$th, dir, "sample_th", c("threshold", "value"), sfx)
    write_moments(cov_lv[[g]], dir, "cov_lv", "matrix", sfx)
    write_moments(cor_lv[[g]], dir, "cor_lv", "matrix", sfx)
  }

  # Modification indices (score tests), every candidate lavaan lists.
  mi <- try_warnings(modindices(fit, sort. = FALSE, minimum.value = 0))
  if (!mi$error) write_csv17(as.data.frame(mi$value), file.path(dir, "modindices.csv"))

  write_csv17(partable_df(fit), file.path(dir, "partable.csv"))

  if (fiml) {
    for (g in seq_len(ng)) {
      cov_g <- if (ng == 1) lavInspect(fit, "coverage") else lavInspect(fit, "coverage")[[g]]
      write_matrix(cov_g, file.path(dir, paste0("coverage", suffixes[g], ".csv")))
    }
    pats <- lavInspect(fit, "patterns")
    extra$n_patterns <- if (ng == 1) nrow(pats) else vapply(pats, nrow, integer(1))
  }

  post_check <- suppressWarnings(lavInspect(fit, "post.check"))
  write_warnings(res$warnings, file.path(dir, "warnings.txt"))
  opts <- lavInspect(fit, "options")
  fmv <- fm$value

  info <- c(list(
    case = case,
    description = description,
    data = data_file,
    model = model,
    converged = lavInspect(fit, "converged"),
    post_check = post_check,
    iterations = lavInspect(fit, "iterations"),
    optim_method = opts$optim.method,
    nobs = lavInspect(fit, "nobs"),
    ntotal = lavInspect(fit, "ntotal"),
    npar = lavInspect(fit, "npar"),
    chisq = unname(fmv["chisq"]),
    df = unname(fmv["df"]),
    ngroups = ng,
    group_labels = as.list(group_labels),
    estimator_requested = if (!is.null(estimator_requested)) estimator_requested
                          else if (is.null(fit@call$estimator)) "ML (default)"
                          else if (is.character(fit@call$estimator)) fit@call$estimator
                          else stop("pass estimator_requested for ", case),
    estimator = opts$estimator,
    se = opts$se,
    test = opts$test,
    missing = opts$missing,
    likelihood = opts$likelihood,
    warnings = as.list(res$warnings),
    fitmeasures_warnings = as.list(fm$warnings),
    modindices = if (mi$error) paste("error:", mi$value) else "modindices.csv",
    modindices_warnings = as.list(mi$warnings),
    versions = VERSIONS
  ), extra, list(options = fit_options(fit)))
  write_json(info, file.path(dir, "info.json"))

  cat(sprintf("%-34s conv=%s post=%s it=%s npar=%s chisq=%.3f df=%s warn=%d mi=%s\n",
              case, info$converged, post_check, info$iterations, info$npar,
              info$chisq, info$df, length(res$warnings),
              if (mi$error) "ERR" else "ok"))
  invisible(fit)
}

# Fit (the lavaan call `expr` is evaluated lazily, inside the warning
# handler) and write the case.
fit_case <- function(case, expr, model, description, data_file, ...) {
  # The estimator name as passed (e.g. "MLR", which lavaan stores as "ML"):
  # the call's argument evaluated in the caller's frame, since the stored call
  # may only hold a variable name.
  est_arg <- substitute(expr)$estimator
  est <- if (is.null(est_arg)) NULL else eval(est_arg, parent.frame())
  res <- with_warnings(expr)
  write_case(case, res, model, description, data_file, estimator_requested = est, ...)
}

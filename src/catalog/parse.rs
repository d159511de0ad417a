//! Reads a catalog document by hand from JSON values, so that every error names the entry and
//! the field (serde's derived errors name neither).

use serde_json::{Map, Value};

use super::entries::{Accelerator, HoursDefinition, Model, PeakRates, Precision, Run};
use super::figure::{Figure, FigureKind};
use super::single_device::SingleDeviceTraining;
use crate::error::FlopcostError;

/// The entries of one catalog document, in file order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CatalogFile {
    pub accelerators: Vec<Accelerator>,
    pub models: Vec<Model>,
    pub runs: Vec<Run>,
    pub single_device_training: Vec<SingleDeviceTraining>,
}

type Result<T> = std::result::Result<T, FlopcostError>;

/// Where in the document we are, for error messages: "runs[2] 'deepseek-r1-zero'".
struct Place<'a> {
    origin: &'a str,
    entry: String,
}

impl Place<'_> {
    fn error(&self, field: &str, problem: impl std::fmt::Display) -> FlopcostError {
        FlopcostError::bad_input(format!(
            "catalog {}: {}: field '{field}' {problem}",
            self.origin, self.entry
        ))
    }
}

/// Parses a whole document. `origin` names it in errors ("built-in", a file path).
pub fn parse_catalog(text: &str, origin: &str) -> Result<CatalogFile> {
    let root: Value = serde_json::from_str(text)
        .map_err(|e| FlopcostError::bad_input(format!("catalog {origin}: not valid JSON: {e}")))?;
    let root = root.as_object().ok_or_else(|| {
        FlopcostError::bad_input(format!("catalog {origin}: the top level must be an object"))
    })?;
    for key in root.keys() {
        if ![
            "about",
            "accelerators",
            "models",
            "runs",
            "single_device_training",
        ]
        .contains(&key.as_str())
        {
            return Err(FlopcostError::bad_input(format!(
                "catalog {origin}: unknown top-level field '{key}' (expected accelerators, \
                 models, runs, single_device_training)"
            )));
        }
    }
    Ok(CatalogFile {
        accelerators: entries(root, "accelerators", origin, parse_accelerator)?,
        models: entries(root, "models", origin, parse_model)?,
        runs: entries(root, "runs", origin, parse_run)?,
        single_device_training: entries(
            root,
            "single_device_training",
            origin,
            parse_single_device,
        )?,
    })
}

fn entries<T>(
    root: &Map<String, Value>,
    section: &str,
    origin: &str,
    parse: fn(&Map<String, Value>, &Place) -> Result<T>,
) -> Result<Vec<T>> {
    let Some(list) = root.get(section) else {
        return Ok(Vec::new());
    };
    let list = list.as_array().ok_or_else(|| {
        FlopcostError::bad_input(format!("catalog {origin}: '{section}' must be a list"))
    })?;
    list.iter()
        .enumerate()
        .map(|(i, item)| {
            let id = item.get("id").and_then(Value::as_str).unwrap_or("?");
            let place = Place {
                origin,
                entry: format!("{section}[{i}] '{id}'"),
            };
            let object = item
                .as_object()
                .ok_or_else(|| place.error("(entry)", "must be an object"))?;
            parse(object, &place)
        })
        .collect()
}

fn check_fields(object: &Map<String, Value>, allowed: &[&str], place: &Place) -> Result<()> {
    match object.keys().find(|k| !allowed.contains(&k.as_str())) {
        Some(key) => Err(place.error(
            key,
            format!(
                "is not known here (expected one of: {})",
                allowed.join(", ")
            ),
        )),
        None => Ok(()),
    }
}

fn string(object: &Map<String, Value>, field: &str, place: &Place) -> Result<String> {
    optional_string(object, field, place)?.ok_or_else(|| place.error(field, "is missing"))
}

fn optional_string(
    object: &Map<String, Value>,
    field: &str,
    place: &Place,
) -> Result<Option<String>> {
    match object.get(field) {
        None => Ok(None),
        Some(Value::String(s)) if !s.trim().is_empty() => Ok(Some(s.clone())),
        Some(other) => Err(place.error(field, format!("must be a non-empty string, got {other}"))),
    }
}

fn figure(object: &Map<String, Value>, field: &str, place: &Place) -> Result<Figure> {
    optional_figure(object, field, place)?.ok_or_else(|| place.error(field, "is missing"))
}

/// A figure is {value, kind, source[, note]}; the value must be positive and finite because
/// every figure here (rates, counts, hours, dollars) is a positive quantity.
fn optional_figure(
    object: &Map<String, Value>,
    field: &str,
    place: &Place,
) -> Result<Option<Figure>> {
    figure_at(object, field, field, place)
}

/// `path` is how the field is named in errors, e.g. "peak_tflops.bf16" for key "bf16".
fn figure_at(
    object: &Map<String, Value>,
    key: &str,
    path: &str,
    place: &Place,
) -> Result<Option<Figure>> {
    let field = path;
    let Some(raw) = object.get(key) else {
        return Ok(None);
    };
    let fig = raw.as_object().ok_or_else(|| {
        place.error(
            field,
            format!("must be an object {{\"value\", \"kind\", \"source\"}}, got {raw}"),
        )
    })?;
    let sub = |name: &str| format!("{field}.{name}");
    if let Some(key) = fig
        .keys()
        .find(|k| !["value", "kind", "source", "note"].contains(&k.as_str()))
    {
        return Err(place.error(
            &sub(key),
            "is not known (expected value, kind, source, note)",
        ));
    }
    let value = match fig.get("value") {
        None => return Err(place.error(&sub("value"), "is missing")),
        Some(v) => v
            .as_f64()
            .ok_or_else(|| place.error(&sub("value"), format!("must be a number, got {v}")))?,
    };
    if !value.is_finite() || value <= 0.0 {
        return Err(place.error(
            &sub("value"),
            format!("must be a positive finite number, got {value}"),
        ));
    }
    let kind = match fig.get("kind").and_then(Value::as_str) {
        Some("reported") => FigureKind::Reported,
        Some("derived") => FigureKind::Derived,
        Some(other) => {
            return Err(place.error(
                &sub("kind"),
                format!("must be \"reported\" or \"derived\", got \"{other}\""),
            ))
        }
        None => {
            return Err(place.error(
                &sub("kind"),
                "is missing or not a string (\"reported\" or \"derived\")",
            ))
        }
    };
    let source = match fig.get("source") {
        Some(Value::String(s)) if !s.trim().is_empty() => s.clone(),
        _ => return Err(place.error(&sub("source"), "must be a non-empty string")),
    };
    let note = match fig.get("note") {
        None => None,
        Some(Value::String(s)) => Some(s.clone()),
        Some(other) => {
            return Err(place.error(&sub("note"), format!("must be a string, got {other}")))
        }
    };
    Ok(Some(Figure {
        value,
        kind,
        source,
        note,
    }))
}

/// A fraction such as MFU must also be at most 1.
fn fraction(figure: Option<Figure>, field: &str, place: &Place) -> Result<Option<Figure>> {
    match figure {
        Some(f) if f.value > 1.0 => Err(place.error(
            &format!("{field}.value"),
            format!("is a fraction and must be at most 1, got {}", f.value),
        )),
        other => Ok(other),
    }
}

/// Device counts and layer counts must be whole numbers.
fn whole(figure: Option<Figure>, field: &str, place: &Place) -> Result<Option<Figure>> {
    match figure {
        Some(f) if f.value.fract() != 0.0 => Err(place.error(
            &format!("{field}.value"),
            format!("must be a whole number, got {}", f.value),
        )),
        other => Ok(other),
    }
}

fn parse_accelerator(object: &Map<String, Value>, place: &Place) -> Result<Accelerator> {
    check_fields(
        object,
        &[
            "id",
            "name",
            "note",
            "peak_tflops",
            "mamf_tflops",
            "family",
            "adapter_names",
            "tdp_watts",
            "usd_per_hour",
            "memory_tb_s",
        ],
        place,
    )?;
    let adapter_names = match object.get("adapter_names") {
        None => Vec::new(),
        Some(Value::Array(items)) => items
            .iter()
            .map(|v| match v {
                Value::String(s) if !s.trim().is_empty() => Ok(s.clone()),
                other => Err(place.error(
                    "adapter_names",
                    format!("must be a list of non-empty strings, got {other}"),
                )),
            })
            .collect::<Result<Vec<String>>>()?,
        Some(other) => {
            return Err(place.error(
                "adapter_names",
                format!("must be a list of strings, got {other}"),
            ))
        }
    };
    Ok(Accelerator {
        id: string(object, "id", place)?,
        name: string(object, "name", place)?,
        note: optional_string(object, "note", place)?,
        peak_tflops: rates(object, "peak_tflops", place)?,
        mamf_tflops: rates(object, "mamf_tflops", place)?,
        family: optional_string(object, "family", place)?,
        adapter_names,
        tdp_watts: optional_figure(object, "tdp_watts", place)?,
        usd_per_hour: optional_figure(object, "usd_per_hour", place)?,
        memory_tb_s: optional_figure(object, "memory_tb_s", place)?,
    })
}

/// An object of figures keyed by precision: "peak_tflops" or "mamf_tflops".
fn rates(object: &Map<String, Value>, field: &str, place: &Place) -> Result<PeakRates> {
    let mut out = PeakRates::default();
    let Some(raw) = object.get(field) else {
        return Ok(out);
    };
    let by_precision = raw
        .as_object()
        .ok_or_else(|| place.error(field, "must be an object of precisions"))?;
    for key in by_precision.keys() {
        let path = format!("{field}.{key}");
        let precision = Precision::from_name(key).ok_or_else(|| {
            place.error(
                &path,
                "is not a precision (fp64, fp32, tf32, bf16, fp16, fp8)",
            )
        })?;
        let fig = figure_at(by_precision, key, &path, place)?
            .ok_or_else(|| place.error(&path, "is missing"))?;
        out.set(precision, fig);
    }
    Ok(out)
}

fn parse_model(object: &Map<String, Value>, place: &Place) -> Result<Model> {
    check_fields(
        object,
        &[
            "id",
            "name",
            "note",
            "params",
            "active_params",
            "layers",
            "d_model",
            "d_attn",
            "context",
            "flops_per_token",
        ],
        place,
    )?;
    let params = figure(object, "params", place)?;
    let active = optional_figure(object, "active_params", place)?;
    if let Some(a) = &active {
        if a.value > params.value {
            return Err(place.error(
                "active_params.value",
                format!(
                    "({}) cannot exceed params ({}): activated parameters are a subset",
                    a.value, params.value
                ),
            ));
        }
    }
    Ok(Model {
        id: string(object, "id", place)?,
        name: string(object, "name", place)?,
        note: optional_string(object, "note", place)?,
        params,
        active_params: active,
        layers: whole(optional_figure(object, "layers", place)?, "layers", place)?,
        d_model: optional_figure(object, "d_model", place)?,
        d_attn: optional_figure(object, "d_attn", place)?,
        context: optional_figure(object, "context", place)?,
        flops_per_token: optional_figure(object, "flops_per_token", place)?,
    })
}

fn parse_run(object: &Map<String, Value>, place: &Place) -> Result<Run> {
    check_fields(
        object,
        &[
            "id",
            "model",
            "stage",
            "part_of",
            "accelerator",
            "publication",
            "hours_definition",
            "precision",
            "devices",
            "wall_hours",
            "gpu_hours",
            "tokens",
            "flops",
            "cost_usd",
            "usd_per_gpu_hour",
            "mfu",
        ],
        place,
    )?;
    let hours_definition = match optional_string(object, "hours_definition", place)? {
        None => None,
        Some(name) => Some(HoursDefinition::from_name(&name).ok_or_else(|| {
            place.error(
                "hours_definition",
                format!(
                    "'{name}' is not known (pre_training, all_stages, steady_state_rate, \
                     devices_x_wall_time)"
                ),
            )
        })?),
    };
    let precision = match optional_string(object, "precision", place)? {
        None => None,
        Some(name) => Some(Precision::from_name(&name).ok_or_else(|| {
            place.error(
                "precision",
                format!("'{name}' is not a precision (fp64, fp32, tf32, bf16, fp16, fp8)"),
            )
        })?),
    };
    Ok(Run {
        id: string(object, "id", place)?,
        model: string(object, "model", place)?,
        stage: string(object, "stage", place)?,
        part_of: optional_string(object, "part_of", place)?,
        accelerator: string(object, "accelerator", place)?,
        publication: optional_string(object, "publication", place)?,
        hours_definition,
        precision,
        devices: whole(optional_figure(object, "devices", place)?, "devices", place)?,
        wall_hours: optional_figure(object, "wall_hours", place)?,
        gpu_hours: optional_figure(object, "gpu_hours", place)?,
        tokens: optional_figure(object, "tokens", place)?,
        flops: optional_figure(object, "flops", place)?,
        cost_usd: optional_figure(object, "cost_usd", place)?,
        usd_per_gpu_hour: optional_figure(object, "usd_per_gpu_hour", place)?,
        mfu: fraction(optional_figure(object, "mfu", place)?, "mfu", place)?,
    })
}

fn parse_single_device(object: &Map<String, Value>, place: &Place) -> Result<SingleDeviceTraining> {
    check_fields(
        object,
        &[
            "id",
            "software",
            "model",
            "accelerator",
            "precision",
            "devices_in_node",
            "tokens_per_second",
            "mfu",
        ],
        place,
    )?;
    let name = string(object, "precision", place)?;
    let precision = Precision::from_name(&name).ok_or_else(|| {
        place.error(
            "precision",
            format!("'{name}' is not a precision (fp64, fp32, tf32, bf16, fp16, fp8)"),
        )
    })?;
    let tokens_per_second = optional_figure(object, "tokens_per_second", place)?;
    let mfu = fraction(optional_figure(object, "mfu", place)?, "mfu", place)?;
    if tokens_per_second.is_none() && mfu.is_none() {
        return Err(place.error(
            "tokens_per_second",
            "is missing (an entry needs tokens_per_second, mfu or both)",
        ));
    }
    Ok(SingleDeviceTraining {
        id: string(object, "id", place)?,
        software: string(object, "software", place)?,
        model: string(object, "model", place)?,
        accelerator: string(object, "accelerator", place)?,
        precision,
        devices_in_node: whole(
            Some(figure(object, "devices_in_node", place)?),
            "devices_in_node",
            place,
        )?
        .ok_or_else(|| place.error("devices_in_node", "is missing"))?,
        tokens_per_second,
        mfu,
    })
}

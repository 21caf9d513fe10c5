//! `api/uptime.json`: what widgets need to draw uptime bars (docs/feeds-and-api.md, "Also").

use serde::Serialize;

use super::OutputFile;
use crate::model::{Model, Uptime};
use crate::time;

#[derive(Serialize)]
struct Document<'a> {
    generated_at: String,
    window_days: u32,
    components: Vec<ComponentUptime<'a>>,
}

#[derive(Serialize)]
struct ComponentUptime<'a> {
    id: &'a str,
    name: &'a str,
    uptime: Option<String>,
    days: Vec<Day<'a>>,
}

#[derive(Serialize)]
struct Day<'a> {
    date: String,
    status: &'static str,
    uptime: Option<String>,
    events: &'a [String],
}

/// `uptimes` is in the order of `model.site.components`.
pub(crate) fn render(model: &Model, uptimes: &[Uptime]) -> OutputFile {
    let document = Document {
        generated_at: time::rfc3339_in(model.now, model.site.time_zone),
        window_days: model.site.uptime_days,
        components: model
            .site
            .components
            .iter()
            .zip(uptimes)
            .map(|(component, uptime)| ComponentUptime {
                id: &component.id,
                name: &component.name,
                uptime: uptime.window().map(|r| r.percent()),
                days: uptime
                    .days
                    .iter()
                    .map(|d| Day {
                        date: d.date.format("%Y-%m-%d").to_string(),
                        status: d.data.map_or("none", |x| x.status.as_str()),
                        uptime: d.data.map(|x| x.uptime().percent()),
                        events: &d.events,
                    })
                    .collect(),
            })
            .collect(),
    };
    let mut bytes = serde_json::to_vec_pretty(&document).expect("plain structs always serialize");
    bytes.push(b'\n');
    OutputFile::new("api/uptime.json", bytes)
}

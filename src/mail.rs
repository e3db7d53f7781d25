//! Outgoing e-mail: SMTP through lettre when `KETNOI_SMTP_URL` is set, the log otherwise.
//!
//! Nothing is sent from a request handler: notifications queue their e-mail in the
//! `email_outbox` table in the same transaction as the change, and `jobs::mail` sends it.

use std::time::Duration;

use lettre::message::{Mailbox, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

use crate::config::Config;

pub enum Mailer {
    /// No SMTP server configured: each message is written to the log instead.
    Log,
    Smtp {
        transport: Box<AsyncSmtpTransport<Tokio1Executor>>,
        from: Mailbox,
    },
}

impl Mailer {
    pub fn from_config(config: &Config) -> anyhow::Result<Self> {
        let Some(url) = &config.smtp_url else {
            return Ok(Mailer::Log);
        };
        let from: Mailbox = config
            .mail_from
            .parse()
            .map_err(|e| anyhow::anyhow!("KETNOI_MAIL_FROM is not an address ({e})"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| anyhow::anyhow!("KETNOI_SMTP_URL is not a usable SMTP URL ({e})"))?
            .timeout(Some(Duration::from_secs(20)))
            .build();
        Ok(Mailer::Smtp {
            transport: Box::new(transport),
            from,
        })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Mailer::Log => "log",
            Mailer::Smtp { .. } => "smtp",
        }
    }

    /// Sends one plain-text message.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> anyhow::Result<()> {
        match self {
            Mailer::Log => {
                tracing::info!(to, subject, body, "e-mail (no SMTP server configured)");
                Ok(())
            }
            Mailer::Smtp { transport, from } => {
                let to: Mailbox = to
                    .parse()
                    .map_err(|e| anyhow::anyhow!("bad recipient {to}: {e}"))?;
                let message = Message::builder()
                    .from(from.clone())
                    .to(to)
                    .subject(subject)
                    .header(ContentType::TEXT_PLAIN)
                    .body(body.to_string())?;
                transport.send(message).await?;
                Ok(())
            }
        }
    }
}

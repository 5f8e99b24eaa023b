//! The producer's requests in flight: every Produce request sent (or being compressed) and not
//! yet answered. Kafka's `NetworkClient` caps them per broker connection
//! (`max.in.flight.requests.per.connection`), so the sender asks "how many to this broker?"
//! for every partition on every drain; the count per broker is kept as requests come and go
//! rather than counted by walking them all.

use super::Request;
use std::collections::BTreeMap;

#[derive(Clone, Default)]
pub(super) struct InFlight {
    requests: BTreeMap<u64, Request>,
    /// Requests per broker id; always the count of `requests` with that broker.
    per_broker: Vec<u32>,
}

impl InFlight {
    pub fn insert(&mut self, request_id: u64, request: Request) {
        let broker = usize::from(request.broker);
        if broker >= self.per_broker.len() {
            self.per_broker.resize(broker + 1, 0);
        }
        self.per_broker[broker] += 1;
        if let Some(replaced) = self.requests.insert(request_id, request) {
            self.per_broker[usize::from(replaced.broker)] -= 1;
        }
    }

    pub fn remove(&mut self, request_id: &u64) -> Option<Request> {
        let request = self.requests.remove(request_id)?;
        self.per_broker[usize::from(request.broker)] -= 1;
        Some(request)
    }

    pub fn get(&self, request_id: &u64) -> Option<&Request> {
        self.requests.get(request_id)
    }

    /// Marks the request as written to its connection (its batch is compressed); returns it.
    pub fn set_on_wire(&mut self, request_id: &u64) -> Option<&Request> {
        let request = self.requests.get_mut(request_id)?;
        request.on_wire = true;
        Some(request)
    }

    pub fn to_broker(&self, broker: u16) -> u32 {
        self.per_broker.get(usize::from(broker)).copied().unwrap_or(0)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&u64, &Request)> {
        self.requests.iter()
    }

    pub fn values(&self) -> impl Iterator<Item = &Request> {
        self.requests.values()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(broker: u16) -> Request {
        Request { batch_id: 0, partition: 0, broker, on_wire: false, producer: None, record_count: 1 }
    }

    #[test]
    fn counts_per_broker_follow_inserts_and_removals() {
        let mut in_flight = InFlight::default();
        for (id, broker) in [(1, 0), (2, 2), (3, 2), (4, 0), (5, 2)] {
            in_flight.insert(id, request(broker));
        }
        let walked = |f: &InFlight, b: u16| f.values().filter(|r| r.broker == b).count() as u32;
        for broker in 0..4 {
            assert_eq!(in_flight.to_broker(broker), walked(&in_flight, broker), "broker {broker}");
        }
        assert_eq!(in_flight.to_broker(2), 3);
        assert!(in_flight.remove(&3).is_some() && in_flight.remove(&3).is_none());
        in_flight.insert(1, request(2)); // the same id again: it moves to broker 2
        assert_eq!((in_flight.to_broker(0), in_flight.to_broker(2), in_flight.to_broker(9)), (1, 3, 0));
        assert!(in_flight.set_on_wire(&4).is_some_and(|r| r.on_wire));
    }
}

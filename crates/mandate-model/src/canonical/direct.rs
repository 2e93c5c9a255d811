//! Canonical bytes written straight from a `Serialize` value, without building a
//! `serde_json::Value` tree first: [`to_canonical_vec`] gives what
//! `to_canonical_bytes(&serde_json::to_value(v)?)` gives, or fails where that fails (tests
//! compare the two), except that a map with float keys is always refused. Used on hot paths (checking that a decoded body is the canonical form of its
//! bytes); it reports only *that* a value has no canonical form, not where.

use serde::ser::{self, Serialize};
use unicode_normalization::is_nfc;

use super::{MAX_SAFE_INTEGER, is_canonical_key, write_string};

/// A value with no canonical form (a fraction, an integer out of range, a string not in NFC, a
/// key that is not a lower-case identifier, two equal keys, a map key that is not a string).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the value has no canonical JSON form: {0}")]
pub struct NotCanonical(String);

impl ser::Error for NotCanonical {
    fn custom<T: std::fmt::Display>(msg: T) -> Self {
        Self(msg.to_string())
    }
}

/// The canonical bytes of `value`.
pub fn to_canonical_vec<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, NotCanonical> {
    bytes_with_capacity(value, 256)
}

fn bytes_with_capacity<T: Serialize + ?Sized>(
    value: &T,
    capacity: usize,
) -> Result<Vec<u8>, NotCanonical> {
    let mut out = Vec::with_capacity(capacity);
    value.serialize(Writer { out: &mut out })?;
    Ok(out)
}

/// Writes `entries` as one object: sorted by key, each key checked, no key twice.
pub fn write_object(
    mut entries: Vec<(String, Vec<u8>)>,
    out: &mut Vec<u8>,
) -> Result<(), NotCanonical> {
    // Keys are ASCII (checked below), so byte order is JCS's UTF-16 order.
    entries.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    out.push(b'{');
    for (idx, (key, value)) in entries.iter().enumerate() {
        if !is_canonical_key(key) {
            return Err(NotCanonical(format!("the key {key:?}")));
        }
        if idx > 0 {
            if entries[idx - 1].0 == *key {
                return Err(NotCanonical(format!("the key {key:?} twice")));
            }
            out.push(b',');
        }
        write_string(key, out);
        out.push(b':');
        out.extend_from_slice(value);
    }
    out.push(b'}');
    Ok(())
}

fn integer(n: i128, out: &mut Vec<u8>) -> Result<(), NotCanonical> {
    if n.unsigned_abs() > MAX_SAFE_INTEGER as u128 {
        return Err(NotCanonical(format!("the integer {n}")));
    }
    out.extend_from_slice(n.to_string().as_bytes());
    Ok(())
}

/// Writes one value into `out`.
struct Writer<'a> {
    out: &'a mut Vec<u8>,
}

/// Collects an object's entries, to be sorted when it ends.
struct Object<'a> {
    out: &'a mut Vec<u8>,
    entries: Vec<(String, Vec<u8>)>,
    key: Option<String>,
    /// `{"variant": …}` around the object, for a struct variant.
    variant: Option<&'static str>,
}

/// Writes an array's items as they come.
struct Array<'a> {
    out: &'a mut Vec<u8>,
    first: bool,
    /// `{"variant": […]}` around the array, for a tuple variant.
    variant: Option<&'static str>,
}

impl<'a> Writer<'a> {
    fn object(self, variant: Option<&'static str>, len: Option<usize>) -> Object<'a> {
        Object { out: self.out, entries: Vec::with_capacity(len.unwrap_or(8)), key: None, variant }
    }

    fn array(self, variant: Option<&'static str>) -> Array<'a> {
        if let Some(name) = variant {
            self.out.push(b'{');
            write_string(name, self.out);
            self.out.push(b':');
        }
        self.out.push(b'[');
        Array { out: self.out, first: true, variant }
    }
}

/// A field's value: most are short.
fn value_bytes<T: Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, NotCanonical> {
    bytes_with_capacity(value, 32)
}

impl<'a> ser::Serializer for Writer<'a> {
    type Ok = ();
    type Error = NotCanonical;
    type SerializeSeq = Array<'a>;
    type SerializeTuple = Array<'a>;
    type SerializeTupleStruct = Array<'a>;
    type SerializeTupleVariant = Array<'a>;
    type SerializeMap = Object<'a>;
    type SerializeStruct = Object<'a>;
    type SerializeStructVariant = Object<'a>;

    fn serialize_bool(self, v: bool) -> Result<(), NotCanonical> {
        self.out.extend_from_slice(if v { b"true" } else { b"false" });
        Ok(())
    }
    fn serialize_i8(self, v: i8) -> Result<(), NotCanonical> {
        integer(v.into(), self.out)
    }
    fn serialize_i16(self, v: i16) -> Result<(), NotCanonical> {
        integer(v.into(), self.out)
    }
    fn serialize_i32(self, v: i32) -> Result<(), NotCanonical> {
        integer(v.into(), self.out)
    }
    fn serialize_i64(self, v: i64) -> Result<(), NotCanonical> {
        integer(v.into(), self.out)
    }
    fn serialize_i128(self, v: i128) -> Result<(), NotCanonical> {
        integer(v, self.out)
    }
    fn serialize_u8(self, v: u8) -> Result<(), NotCanonical> {
        integer(v.into(), self.out)
    }
    fn serialize_u16(self, v: u16) -> Result<(), NotCanonical> {
        integer(v.into(), self.out)
    }
    fn serialize_u32(self, v: u32) -> Result<(), NotCanonical> {
        integer(v.into(), self.out)
    }
    fn serialize_u64(self, v: u64) -> Result<(), NotCanonical> {
        integer(v.into(), self.out)
    }
    fn serialize_u128(self, v: u128) -> Result<(), NotCanonical> {
        integer(i128::try_from(v).map_err(|_| NotCanonical(format!("the integer {v}")))?, self.out)
    }
    fn serialize_f32(self, v: f32) -> Result<(), NotCanonical> {
        self.serialize_f64(v.into())
    }
    fn serialize_f64(self, v: f64) -> Result<(), NotCanonical> {
        // serde_json turns a non-finite float into null, and a finite one into a number that is
        // not an integer.
        if v.is_finite() {
            return Err(NotCanonical(format!("the fraction {v}")));
        }
        self.serialize_unit()
    }
    fn serialize_char(self, v: char) -> Result<(), NotCanonical> {
        self.serialize_str(v.encode_utf8(&mut [0u8; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), NotCanonical> {
        if !is_nfc(v) {
            return Err(NotCanonical(format!("the string {v:?} is not in NFC")));
        }
        write_string(v, self.out);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), NotCanonical> {
        use ser::SerializeSeq;
        let mut array = self.array(None);
        for byte in v {
            array.serialize_element(byte)?;
        }
        array.end()
    }
    fn serialize_none(self) -> Result<(), NotCanonical> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), NotCanonical> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), NotCanonical> {
        self.out.extend_from_slice(b"null");
        Ok(())
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), NotCanonical> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<(), NotCanonical> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<(), NotCanonical> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), NotCanonical> {
        write_object(vec![(variant.to_owned(), value_bytes(value)?)], self.out)
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Array<'a>, NotCanonical> {
        Ok(self.array(None))
    }
    fn serialize_tuple(self, _len: usize) -> Result<Array<'a>, NotCanonical> {
        Ok(self.array(None))
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Array<'a>, NotCanonical> {
        Ok(self.array(None))
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Array<'a>, NotCanonical> {
        if !is_canonical_key(variant) {
            return Err(NotCanonical(format!("the key {variant:?}")));
        }
        Ok(self.array(Some(variant)))
    }
    fn serialize_map(self, len: Option<usize>) -> Result<Object<'a>, NotCanonical> {
        Ok(self.object(None, len))
    }
    fn serialize_struct(self, _name: &'static str, len: usize) -> Result<Object<'a>, NotCanonical> {
        Ok(self.object(None, Some(len)))
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        len: usize,
    ) -> Result<Object<'a>, NotCanonical> {
        Ok(self.object(Some(variant), Some(len)))
    }
}

impl Array<'_> {
    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NotCanonical> {
        if !self.first {
            self.out.push(b',');
        }
        self.first = false;
        value.serialize(Writer { out: self.out })
    }

    fn finish(self) -> Result<(), NotCanonical> {
        self.out.push(b']');
        if self.variant.is_some() {
            self.out.push(b'}');
        }
        Ok(())
    }
}

macro_rules! array_impl {
    ($trait:ident, $method:ident) => {
        impl ser::$trait for Array<'_> {
            type Ok = ();
            type Error = NotCanonical;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NotCanonical> {
                self.element(value)
            }
            fn end(self) -> Result<(), NotCanonical> {
                self.finish()
            }
        }
    };
}
array_impl!(SerializeSeq, serialize_element);
array_impl!(SerializeTuple, serialize_element);
array_impl!(SerializeTupleStruct, serialize_field);
array_impl!(SerializeTupleVariant, serialize_field);

impl Object<'_> {
    fn field<T: Serialize + ?Sized>(
        &mut self,
        key: impl Into<String>,
        value: &T,
    ) -> Result<(), NotCanonical> {
        self.entries.push((key.into(), value_bytes(value)?));
        Ok(())
    }

    fn finish(self) -> Result<(), NotCanonical> {
        match self.variant {
            None => write_object(self.entries, self.out),
            Some(variant) => {
                let mut inner = Vec::with_capacity(64);
                write_object(self.entries, &mut inner)?;
                write_object(vec![(variant.to_owned(), inner)], self.out)
            }
        }
    }
}

impl ser::SerializeMap for Object<'_> {
    type Ok = ();
    type Error = NotCanonical;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), NotCanonical> {
        self.key = Some(key.serialize(KeyWriter)?);
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), NotCanonical> {
        let key = self.key.take().ok_or_else(|| NotCanonical("a value without a key".into()))?;
        self.field(key, value)
    }
    fn end(self) -> Result<(), NotCanonical> {
        self.finish()
    }
}

macro_rules! struct_impl {
    ($trait:ident) => {
        impl ser::$trait for Object<'_> {
            type Ok = ();
            type Error = NotCanonical;
            fn serialize_field<T: Serialize + ?Sized>(
                &mut self,
                key: &'static str,
                value: &T,
            ) -> Result<(), NotCanonical> {
                self.field(key, value)
            }
            fn end(self) -> Result<(), NotCanonical> {
                self.finish()
            }
        }
    };
}
struct_impl!(SerializeStruct);
struct_impl!(SerializeStructVariant);

/// `fn NAME(self, v: TYPE) -> Result<String, _>` writing the integer in decimal, as serde_json
/// does for an integer map key.
macro_rules! key_from_integer {
    ($($name:ident: $ty:ty),* $(,)?) => {
        $(fn $name(self, v: $ty) -> Result<String, NotCanonical> {
            Ok(v.to_string())
        })*
    };
}

/// A map key, as serde_json's value serializer makes one: strings as they are, booleans and
/// integers written out. A float key is refused (serde_json would write it out; no Mandate type
/// has one, and refusing only sends a body to the strict decoder).
struct KeyWriter;

fn not_a_key<T>() -> Result<T, NotCanonical> {
    Err(NotCanonical("a map key that is not a string".into()))
}

impl ser::Serializer for KeyWriter {
    type Ok = String;
    type Error = NotCanonical;
    type SerializeSeq = ser::Impossible<String, NotCanonical>;
    type SerializeTuple = ser::Impossible<String, NotCanonical>;
    type SerializeTupleStruct = ser::Impossible<String, NotCanonical>;
    type SerializeTupleVariant = ser::Impossible<String, NotCanonical>;
    type SerializeMap = ser::Impossible<String, NotCanonical>;
    type SerializeStruct = ser::Impossible<String, NotCanonical>;
    type SerializeStructVariant = ser::Impossible<String, NotCanonical>;

    fn serialize_str(self, v: &str) -> Result<String, NotCanonical> {
        Ok(v.to_owned())
    }
    fn serialize_char(self, v: char) -> Result<String, NotCanonical> {
        Ok(v.to_string())
    }
    fn serialize_unit_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
    ) -> Result<String, NotCanonical> {
        Ok(variant.to_owned())
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        value: &T,
    ) -> Result<String, NotCanonical> {
        value.serialize(self)
    }
    fn serialize_bool(self, v: bool) -> Result<String, NotCanonical> {
        Ok(v.to_string())
    }
    key_from_integer!(
        serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64,
        serialize_i128: i128, serialize_u8: u8, serialize_u16: u16, serialize_u32: u32,
        serialize_u64: u64, serialize_u128: u128,
    );
    fn serialize_f32(self, _v: f32) -> Result<String, NotCanonical> {
        not_a_key()
    }
    fn serialize_f64(self, _v: f64) -> Result<String, NotCanonical> {
        not_a_key()
    }
    fn serialize_bytes(self, _v: &[u8]) -> Result<String, NotCanonical> {
        not_a_key()
    }
    fn serialize_none(self) -> Result<String, NotCanonical> {
        not_a_key()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, _value: &T) -> Result<String, NotCanonical> {
        not_a_key()
    }
    fn serialize_unit(self) -> Result<String, NotCanonical> {
        not_a_key()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<String, NotCanonical> {
        not_a_key()
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _value: &T,
    ) -> Result<String, NotCanonical> {
        not_a_key()
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, NotCanonical> {
        not_a_key()
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, NotCanonical> {
        not_a_key()
    }
    fn serialize_tuple_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleStruct, NotCanonical> {
        not_a_key()
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, NotCanonical> {
        not_a_key()
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, NotCanonical> {
        not_a_key()
    }
    fn serialize_struct(
        self,
        _name: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStruct, NotCanonical> {
        not_a_key()
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        _variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, NotCanonical> {
        not_a_key()
    }
}

//! `#[name_arguments]`, put above `#[pymethods]` impl blocks and `#[pyfunction]`s of the Python
//! binding: every argument that PyO3 would convert itself gets
//! `#[pyo3(from_py_with = …)]` pointing at a generated function that converts it with
//! `crate::args::extract(obj, "name")`. That one extractor makes a wrong-type `TypeError` name
//! the argument in its message (PyO3 0.30 only adds a note, which `str(e)` does not show).
//!
//! Left to PyO3: the `Python` token, receivers (`self`, anything with `Self` in its type),
//! references other than `&str` (borrowed pyclass/`Bound` arguments, which cannot fail or
//! need PyO3's holders), `*args`/`**kwargs`, and arguments that already have a `#[pyo3(…)]`.

use proc_macro::TokenStream;
use proc_macro2::{Span, TokenStream as TokenStream2, TokenTree};
use quote::{format_ident, quote};
use std::collections::BTreeSet;
use syn::{parse_quote, Attribute, FnArg, ImplItem, Item, Pat, Signature, Type};

/// See the crate docs.
#[proc_macro_attribute]
pub fn name_arguments(attr: TokenStream, item: TokenStream) -> TokenStream {
    match expand(attr.into(), item.into()) {
        Ok(t) => t.into(),
        Err(e) => e.to_compile_error().into(),
    }
}

fn expand(attr: TokenStream2, item: TokenStream2) -> syn::Result<TokenStream2> {
    if !attr.is_empty() {
        return Err(syn::Error::new(Span::call_site(), "#[name_arguments] takes no arguments"));
    }
    let mut item: Item = syn::parse2(item)?;
    let mut names = BTreeSet::new();
    let module = match &mut item {
        Item::Impl(imp) => {
            let Type::Path(self_ty) = &*imp.self_ty else {
                return Err(syn::Error::new(Span::call_site(), "#[name_arguments]: impl of a named type expected"));
            };
            let ty = &self_ty.path.segments.last().expect("a path has a segment").ident;
            let module = format_ident!("__patter_args_{}", ty);
            for it in &mut imp.items {
                if let ImplItem::Fn(f) = it {
                    rewrite(&f.attrs, &mut f.sig, &module, &mut names);
                }
            }
            module
        }
        Item::Fn(f) => {
            let module = format_ident!("__patter_args_{}", f.sig.ident);
            rewrite(&f.attrs, &mut f.sig, &module, &mut names);
            module
        }
        _ => return Err(syn::Error::new(Span::call_site(), "#[name_arguments] goes on an impl block or a fn")),
    };
    let fns = names.iter().map(|name| {
        let ident = format_ident!("{}", name);
        quote! {
            pub(super) fn #ident<'a, 'py, T: ::pyo3::FromPyObject<'a, 'py>>(
                obj: &'a ::pyo3::Bound<'py, ::pyo3::PyAny>,
            ) -> ::pyo3::PyResult<T> {
                crate::args::extract(obj, #name)
            }
        }
    });
    if names.is_empty() {
        return Ok(quote!(#item));
    }
    Ok(quote! {
        #item

        #[doc(hidden)]
        #[allow(non_snake_case)]
        mod #module {
            #(#fns)*
        }
    })
}

/// The `*args` / `**kwargs` names of a `#[pyo3(signature = (…))]`.
fn variadic_names(attrs: &[Attribute]) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for a in attrs.iter().filter(|a| a.path().is_ident("pyo3")) {
        let tokens: Vec<TokenTree> = flatten(a.meta.require_list().map(|l| l.tokens.clone()).unwrap_or_default());
        for w in tokens.windows(2) {
            if let (TokenTree::Punct(p), TokenTree::Ident(i)) = (&w[0], &w[1]) {
                if p.as_char() == '*' {
                    out.insert(i.to_string());
                }
            }
        }
    }
    out
}

fn flatten(ts: TokenStream2) -> Vec<TokenTree> {
    let mut out = Vec::new();
    for t in ts {
        match t {
            TokenTree::Group(g) => out.extend(flatten(g.stream())),
            t => out.push(t),
        }
    }
    out
}

/// Whether PyO3 should keep converting an argument of this type itself.
fn left_to_pyo3(ty: &Type) -> bool {
    let text = quote!(#ty).to_string().replace(' ', "");
    let is_str_ref = text == "&str" || text == "Option<&str>";
    text.contains("Self") || text.starts_with("Python<") || (text.contains('&') && !is_str_ref)
}

fn rewrite(attrs: &[Attribute], sig: &mut Signature, module: &syn::Ident, names: &mut BTreeSet<String>) {
    let variadic = variadic_names(attrs);
    for arg in &mut sig.inputs {
        let FnArg::Typed(pt) = arg else { continue };
        let Pat::Ident(pi) = &*pt.pat else { continue };
        let name = pi.ident.to_string();
        let name = name.strip_prefix("r#").unwrap_or(&name).to_string();
        if variadic.contains(&name) || pt.attrs.iter().any(|a| a.path().is_ident("pyo3")) || left_to_pyo3(&pt.ty) {
            continue;
        }
        let func = format_ident!("{}", name);
        pt.attrs.push(parse_quote!(#[pyo3(from_py_with = #module::#func)]));
        names.insert(name);
    }
}

using System.Text.Json;
using GrandChallenge.Domain.Components;

namespace GrandChallenge.Tests.Domain.Components;

[Trait("Category", "Unit")]
public sealed class CanonicalJsonTests
{
    [Fact]
    public void Property_order_and_whitespace_do_not_change_the_canonical_text()
    {
        var a = CanonicalJson.Canonicalise("""{"b": [1, 2, {"y": true, "x": null}], "a": "é\u00e9"}""");
        var b = CanonicalJson.Canonicalise("{\n  \"a\" : \"\\u00e9é\",\"b\":[1,2,{\"x\":null,\"y\":true}]\n}");

        a.Should().Be(b).And.Be("""{"a":"éé","b":[1,2,{"x":null,"y":true}]}""");
        CanonicalJson.Hash(a).Should().Be(CanonicalJson.Hash(b)).And.HaveLength(64);
    }

    [Fact]
    public void Numbers_keep_their_spelling_so_an_integer_and_a_float_stay_different()
    {
        CanonicalJson.Canonicalise("[42, 42.0, 1e2, -0.5]").Should().Be("[42,42.0,1e2,-0.5]");
        CanonicalJson.Canonicalise("42").Should().NotBe(CanonicalJson.Canonicalise("42.0"));
    }

    [Fact]
    public void A_repeated_key_is_refused()
    {
        var act = () => CanonicalJson.Canonicalise("""{"a": 1, "a": 2}""");

        act.Should().Throw<JsonException>().WithMessage("*'a'*more than once*");
    }

    [Fact]
    public void Nan_and_infinities_become_null_but_strings_are_left_alone()
    {
        const string python = """{"a": NaN, "b": [Infinity, -Infinity, 1.5], "c": "NaN and Infinity", "d": "quote \" NaN"}""";

        using var document = LenientJson.Parse(python);

        CanonicalJson.Canonicalise(document.RootElement).Should().Be("""{"a":null,"b":[null,null,1.5],"c":"NaN and Infinity","d":"quote \" NaN"}""");
    }

    [Theory]
    [InlineData("NaN", "null")]
    [InlineData("[-Infinity]", "[null]")]
    [InlineData("{\"x\":Infinity}", "{\"x\":null}")]
    public void Bare_non_finite_tokens_are_replaced(string input, string expected)
    {
        LenientJson.ReplaceNonFiniteNumbers(input).Should().Be(expected);
    }

    [Theory]
    [InlineData("[NaNa]")]
    [InlineData("[nan]")]
    [InlineData("{\"a\": Infinityy}")]
    [InlineData("{\"a\": 1,}")]
    public void Anything_else_that_is_not_json_still_fails(string input)
    {
        var act = () => LenientJson.Parse(input);

        act.Should().Throw<JsonException>();
    }
}

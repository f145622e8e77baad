// glif_sat.v - signed saturation of an IW-bit value to OW bits.
//
// Pipeline position: a leaf of the RTL; glif_neuron (membrane, accumulator, relay
// payload) and glif_core (delay-slot accumulation) use it so that every saturation in
// the hardware is the same circuit as nrn_sat() in fabric/nrn.h:
//   out = in > 2^(OW-1)-1 ? 2^(OW-1)-1 : in < -2^(OW-1) ? -2^(OW-1) : in
// The value fits when bits [IW-1 : OW-1] are all equal (all copies of the sign), which
// needs no wide constant comparison. When OW >= IW the value always fits and is only
// sign-extended.
`default_nettype none

module glif_sat #(
    parameter integer IW = 32,  // input width, signed, >= 2
    parameter integer OW = 24   // output width, signed, >= 2
) (
    input  wire signed [IW-1:0] in,
    output wire signed [OW-1:0] out
);
  generate
    if (OW == IW) begin : g_same
      assign out = in;
    end else if (OW > IW) begin : g_extend
      assign out = {{(OW - IW) {in[IW-1]}}, in};
    end else begin : g_clamp
      wire                    neg = in[IW-1];
      wire [IW-OW:0]          top = in[IW-1:OW-1];  // sign bit and the bits above OW
      wire                    fits = (top == {(IW - OW + 1) {neg}});
      wire signed [OW-1:0]    max = {1'b0, {(OW - 1) {1'b1}}};
      wire signed [OW-1:0]    min = {1'b1, {(OW - 1) {1'b0}}};
      assign out = fits ? in[OW-1:0] : (neg ? min : max);
    end
  endgenerate
endmodule

`default_nettype wire
